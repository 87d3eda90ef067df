import { describe, expect, it } from 'vitest';
import { insecureTransportProblem, isLoopbackHost } from './transport-security.ts';

describe('insecureTransportProblem', () => {
  it('accepts TLS anywhere and plain transport on loopback only', () => {
    expect(insecureTransportProblem('https://functions.example.com/voice', 'https')).toBeUndefined();
    expect(insecureTransportProblem('wss://access.example.com/voice-host/connect', 'wss')).toBeUndefined();
    for (const local of [
      'http://127.0.0.1:8787',
      'http://localhost:8787/x',
      'http://[::1]:1',
      'http://127.9.9.9',
    ]) {
      expect(insecureTransportProblem(local, 'https')).toBeUndefined();
    }
    expect(insecureTransportProblem('ws://127.0.0.1:8787/voice-host/connect', 'wss')).toBeUndefined();
  });

  it('refuses plain transport off loopback, other schemes and non-URLs', () => {
    expect(insecureTransportProblem('http://functions.example.com', 'https')).toMatch(/must use https/);
    expect(insecureTransportProblem('http://10.0.0.5:8787', 'https')).toMatch(/only on loopback/);
    expect(insecureTransportProblem('ws://access.example.com', 'wss')).toMatch(/must use wss/);
    expect(insecureTransportProblem('ftp://x', 'https')).toMatch(/https:\/\/ URL/);
    expect(insecureTransportProblem('not a url', 'https')).toBe('is not a URL');
    expect(isLoopbackHost('127.0.0.1.evil.example')).toBe(false);
    expect(isLoopbackHost('localhost.evil.example')).toBe(false);
  });
});
