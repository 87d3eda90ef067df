/** The bare HTTP first-token probe both gateway benches use: one POST, SSE events parsed as they come. */
import { type Agent, request as httpRequest } from 'node:http';

/** Milliseconds from sending the request to the first SSE chunk that carries content. */
export function sseFirstTokenMs(url: string, agent: Agent, key: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`the bridge answered ${res.statusCode}`));
          return;
        }
        let buffered = '';
        let ttft = 0;
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          buffered += text;
          for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
            const event = buffered.slice(0, end);
            buffered = buffered.slice(end + 2);
            if (ttft !== 0 || !event.startsWith('data: {')) continue;
            const chunk = JSON.parse(event.slice(6)) as { choices?: { delta?: { content?: string } }[] };
            if (chunk.choices?.[0]?.delta?.content) ttft = performance.now() - started;
          }
        });
        res.on('end', () => resolve(ttft));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
