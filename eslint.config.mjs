// ESLint flat config: typescript-eslint's type-checked rules, the core kept free of `vscode`, and
// imports that point one way with no cycles:
//   core ← contracts ← connection ← providers | commands | tree | panels ← extension.ts      core ← cli
// and the webviews' browser scripts (src/webview), which may use the core's pure parts and the contracts.
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

/** Each room of src/ and the rooms it may import from (besides itself and node_modules). */
const ROOMS = {
  core: [],
  cli: ['core'],
  contracts: ['core'],
  connection: ['core'],
  providers: ['core', 'contracts', 'connection'],
  commands: ['core', 'contracts', 'connection'],
  tree: ['core', 'contracts', 'connection'],
  panels: ['core', 'contracts', 'connection'],
  // Type-checked without Node (src/webview/tsconfig.json), so only browser-safe modules get in.
  webview: ['core', 'contracts'],
};

const zones = Object.entries(ROOMS).map(([room, allowed]) => ({
  target: `./src/${room}`,
  from: './src',
  except: [`./${room}`, ...allowed.map((other) => `./${other}`)],
  message: `src/${room} may import only from ${[room, ...allowed].map((name) => `src/${name}`).join(', ')}.`,
}));

export default tseslint.config(
  { ignores: ['dist/', 'out/', 'node_modules/', '.cache/', '.vscode-test/', 'test-results/'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // no-cycle parses every imported module, so it must know how to read .ts files.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      // Implementations of Promise-returning interfaces (stores, fakes, tree nodes) are `async` so that
      // a throw becomes a rejection, whether or not they await anything.
      '@typescript-eslint/require-await': 'off',
      eqeqeq: 'error',
      curly: 'error',
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones }],
    },
  },
  {
    // The core and the CLI run without VS Code: the extension host is the only place `vscode` exists.
    files: ['src/core/**/*.ts', 'src/cli/**/*.ts', 'src/webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'src/core, src/cli and src/webview must not depend on VS Code.' }] }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly' },
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
);
