// eslint (flat config): JavaScript's and typescript-eslint's recommended rules, React's rules of
// hooks, over the app, its tests, the e2e suite and the scripts. `npm run lint` allows no warning.
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig([
  // src/api/schema/*.ts is generated (npm run gen:types), and checked by check:types instead.
  globalIgnores(["dist", "src/api/schema", "test-results", "playwright-report"]),
  {
    files: ["**/*.{js,mjs,ts,tsx}"],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: { ecmaVersion: 2023, globals: globals.browser },
    rules: {
      // `_name` marks a parameter a callback's signature requires but this one does not use.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/**/*.{ts,tsx}"],
    extends: [reactHooks.configs.flat.recommended],
  },
  {
    files: ["scripts/**", "e2e/**", "*.config.{js,ts}"],
    languageOptions: { globals: globals.node },
  },
]);
