/**
 * A throwaway certificate authority and a 127.0.0.1 server certificate for the fake voice server:
 * @discordjs/voice always dials `wss://<endpoint>`, so the fake must speak TLS and the client must trust
 * it. Made with the `openssl` CLI into a fresh temporary folder on every start (nothing secret is kept
 * in the repository); a client trusts it through `NODE_EXTRA_CA_CERTS=<caPath>` (another process) or
 * `trustTestCa()` (this process).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';

/** The CA's certificate and the server's key pair, as PEM text, plus where the CA file lives. */
export interface VoiceTestCa {
  readonly caPem: string;
  readonly caPath: string;
  readonly certPem: string;
  readonly keyPem: string;
  /** Removes the temporary folder. */
  remove(): void;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A new CA (10 years) and a server certificate for 127.0.0.1 and localhost (30 days), EC P-256. */
export function createVoiceTestCa(): VoiceTestCa {
  const dir = mkdtempSync(join(tmpdir(), 'promethean-voice-ca-'));
  const p = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.pem'),
    '-days',
    '3650',
    '-subj',
    '/CN=Promethean fake Discord voice test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  openssl(['req', ...ec, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=127.0.0.1']);
  writeFileSync(
    p('server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
  );
  openssl([
    'x509',
    '-req',
    '-in',
    p('server.csr'),
    '-CA',
    p('ca.pem'),
    '-CAkey',
    p('ca.key'),
    '-CAcreateserial',
    '-out',
    p('server.pem'),
    '-days',
    '30',
    '-extfile',
    p('server.ext'),
  ]);
  // The CA's key is not needed once the server certificate is signed.
  rmSync(p('ca.key'));
  return {
    caPem: readFileSync(p('ca.pem'), 'utf8'),
    caPath: p('ca.pem'),
    certPem: readFileSync(p('server.pem'), 'utf8'),
    keyPem: readFileSync(p('server.key'), 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Makes this process's TLS clients (ws, fetch's https) trust the test CA besides the usual roots. */
export function trustTestCa(ca: VoiceTestCa): void {
  const current = getCACertificates('default');
  if (!current.includes(ca.caPem)) setDefaultCACertificates([...current, ca.caPem]);
}
