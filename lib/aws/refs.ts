/** A KMS key by ARN: a `KmsKey`, a `DataAwsKmsKey` or a literal. */
export interface IKmsKeyRef {
  readonly arn: string;
}

/** An IAM role by name and ARN: an `IamRole`, a `DataAwsIamRole` or literals. */
export interface IRoleRef {
  readonly name: string;
  readonly arn: string;
}
