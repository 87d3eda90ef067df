/** `*.yml` files are imported as their text (wrangler Text rule; vite-yaml-text plugin in tests). */
declare module '*.yml' {
  const text: string;
  export default text;
}
