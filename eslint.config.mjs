import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/**", "dist/**", "cdktf.out/**", "**/*.d.ts", "**/.gen/**"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "@cdktf/provider-aws", message: "Use deep imports (@cdktf/provider-aws/lib/<resource>)." },
            { name: "@cdktf/provider-kubernetes", message: "Use deep imports (@cdktf/provider-kubernetes/lib/<resource>)." },
          ],
        },
      ],
    },
  },
  {
    files: ["lib/core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["cdktf", "cdktf/*", "@cdktf/*", "constructs"], message: "lib/core stays free of cdktf (design.md)." }] },
      ],
    },
  },
  {
    // The CLI loads heavy modules inside actions with require() so `--help` stays fast.
    files: ["lib/cli/**/*.ts"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["bin/**/*.js", "bench/**/*.js", "scripts/**/*.js", "*.js"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
