/** Lets tests import `agent.yml` and `providers.yml` as text, as wrangler's Text rule does for Workers. */
import type { Plugin } from 'vite';

export function yamlText(): Plugin {
  return {
    name: 'promethean-yaml-text',
    enforce: 'pre',
    transform(code, id) {
      if (!/\.ya?ml$/.test(id.split('?')[0] ?? '')) return null;
      return { code: `export default ${JSON.stringify(code)};`, map: null };
    },
  };
}
