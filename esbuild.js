// Bundles the extension and the CLI (see microsoft/vscode-extension-samples esbuild-sample).
// Type checking is separate: `npm run typecheck`.
const esbuild = require('esbuild');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/**
 * dockerode loads gRPC and protobufjs at start-up for BuildKit builds (`buildImage` with a session),
 * which we never run; they are half the bundle and most of the CLI's start-up time. They are
 * replaced by a stub that fails loudly if anything ever calls into them.
 */
const buildKitOnly = /^(@grpc\/grpc-js|@grpc\/proto-loader|protobufjs)$/;
const stubBuildKitOnly = {
  name: 'stub-buildkit-only',
  setup(build) {
    build.onResolve({ filter: buildKitOnly }, (args) => ({ path: args.path, namespace: 'buildkit-stub' }));
    build.onLoad({ filter: /.*/, namespace: 'buildkit-stub' }, (args) => ({
      contents: `module.exports = new Proxy({}, { get(_, key) { throw new Error(${JSON.stringify(`${args.path} is not bundled: BuildKit builds are not used by Docker Layer Explorer`)} + ' (' + String(key) + ')'); } });`,
      loader: 'js',
    }));
  },
};

/**
 * Modules only some CLI runs use, each its own file in dist/, which the CLI requires (from its own
 * folder) on first use: docker-modem's ssh agent (ssh2, a third of the code, for ssh:// engines
 * only) and yaml (.dive-ci files). Reading and compiling them on every start cost the CLI about
 * 30 ms (src/core/loadedOnFirstUse.ts loads them). The extension stays one file, as the VSIX ships
 * it: there they load on first use too, from inside the bundle.
 */
const apart = { 'docker-modem/lib/ssh': 'ssh.js', yaml: 'yaml.js' };
const keepApart = {
  name: 'keep-apart',
  setup(build) {
    build.onResolve({ filter: /^(docker-modem\/lib\/ssh|yaml)$/ }, (args) => ({ path: `./${apart[args.path]}`, external: true }));
  },
};

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'warning',
  // ssh2 (via dockerode) has optional native parts; it falls back to JavaScript without them.
  external: ['vscode', 'cpu-features', '*.node'],
  plugins: [stubBuildKitOnly],
};

/** The webviews' scripts and styles: browser bundles, everything inside (a webview loads nothing from the network). */
const webview = {
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'chrome120',
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'warning',
};

const builds = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' },
  { ...common, plugins: [stubBuildKitOnly, keepApart], entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js' },
  ...Object.entries(apart).map(([module, file]) => ({ ...common, plugins: [], entryPoints: [require.resolve(module)], outfile: `dist/${file}` })),
  { ...webview, entryPoints: { sizeMap: 'src/webview/sizeMap/main.ts' }, outdir: 'dist/webview' },
];

async function main() {
  if (watch) {
    for (const options of builds) {
      const context = await esbuild.context(options);
      await context.watch();
    }
    return;
  }
  await Promise.all(builds.map((options) => esbuild.build(options)));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
