/**
 * An IAM policy document (JSON text; ARNs may be cdktf tokens) that allows
 * reading one secret and, with a customer-managed key, decrypting it.
 */
export function readPolicyJson(secretArn: string, kmsKeyArn?: string): string {
  const statements: Record<string, unknown>[] = [
    {
      Sid: "ReadStemSigningEnv",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
      Resource: [secretArn],
    },
  ];
  if (kmsKeyArn !== undefined) {
    statements.push({ Sid: "DecryptStemSigningEnv", Effect: "Allow", Action: ["kms:Decrypt"], Resource: [kmsKeyArn] });
  }
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}
