// Prettier for the whole repository (TypeScript, Svelte, JSON, YAML, CSS). The options were chosen
// to match the code as it was hand-written before Prettier came in, so adopting it changed as few
// lines as possible: single quotes, semicolons, trailing commas everywhere, and long lines (150
// was measured against 100–200 as the width that rewrapped the fewest files).
/** @type {import('prettier').Config} */
export default {
  singleQuote: true,
  printWidth: 150,
  trailingComma: 'all',
  plugins: ['prettier-plugin-svelte'],
};
