/**
 * got 14 is ESM-only and declares its types only under `exports`, which TypeScript's `moduleResolution: node`
 * (the repository's setting, for CommonJS) does not read. This points the bare name at the real declarations, so
 * that `import got from 'got'` is fully typed. At run time Node 20.19+ `require()`s the ESM build, and Jest compiles
 * it with swc. Remove this file if the repository moves to `moduleResolution: node16`/`bundler`.
 */
declare module 'got' {
  export * from 'got/dist/source/index.js';
  export { default } from 'got/dist/source/index.js';
}
