/**
 * `npm run bench:voice-e2e -- [--tenants 2] [--guilds 2] [--speakers 3] [--utterances 10] [--loss 0.02]
 * [--reorder 0.02] [--json]`: the voice host in whole conversations over the real protocol. One host serves
 * tenants × guilds voice sessions of the fake voice server at once (TLS voice gateway v8, UDP, AEAD
 * transport encryption); in each, the people take turns speaking espeak-ng phrases as Opus, the host cuts
 * segments, the in-process worker chain answers each with the offline TTS voice, and the people hear the
 * reply. Loss and reordering are injected on the media the host receives. Measured: every utterance
 * answered and heard, SNR of what was heard against the TTS audio, end of speech → first reply packet at
 * the fake, decrypt failures, and the host's CPU (the process's CPU minus the fake side's, metered around
 * its synchronous work) and resident memory. Baseline, same run: libopus encode + decode of the same audio.
 * DAVE is on by default (`--dave off` for transport encryption only): the fake voice server is the MLS
 * external sender and each person has their own DAVE identity; with `--churn on` (the default with DAVE)
 * a listener joins each channel halfway through and leaves three quarters through: two epoch changes.
 */
import { parseArgs } from 'node:util';
import libopus from '@discordjs/opus';
import { fakeCpuSeconds } from '../fake-discord/fake-cpu-meter.ts';
import { conversationTurn, type TurnResult } from '../voice-e2e/conversation-turn.ts';
import { ConversationRig, phrase } from '../voice-e2e/voice-conversation-rig.ts';
import { percentile } from './latency-stats.ts';

const { values } = parseArgs({
  options: {
    tenants: { type: 'string', default: '2' },
    guilds: { type: 'string', default: '2' },
    speakers: { type: 'string', default: '3' },
    utterances: { type: 'string', default: '10' },
    loss: { type: 'string', default: '0.02' },
    reorder: { type: 'string', default: '0.02' },
    dave: { type: 'string', default: 'on' },
    churn: { type: 'string', default: 'on' },
    json: { type: 'boolean', default: false },
  },
});
const n = (k: keyof typeof values) => Number(values[k]);
const tenants = n('tenants');
const guilds = n('guilds');
const speakers = n('speakers');
const utterances = n('utterances');
for (const [k, v] of Object.entries({ tenants, guilds, speakers, utterances })) {
  if (!Number.isInteger(v) || v < 1) {
    console.error(`--${k} must be a positive integer`);
    process.exit(2);
  }
}

const dave = values.dave !== 'off';
const churn = dave && values.churn !== 'off';
const TARGET_FIRST_AUDIO_P95_MS = 800;
const TARGET_SNR_DB = 12;
const TARGET_RSS_MB = 512;
const replyText = (i: number) => `duck reply ${i}`;

/** CPU seconds of libopus alone for one session's audio: encode + decode every phrase and every reply. */
function codecBaselineSeconds(turns: TurnResult[]): number {
  const enc = new libopus.OpusEncoder(48_000, 2);
  const frame = Buffer.alloc(3_840);
  const before = process.cpuUsage();
  for (const t of turns) {
    const frames = Math.ceil(phrase(0).length / 1_920) + Math.ceil(t.heardMs / 20);
    for (let i = 0; i < frames; i++) enc.decode(enc.encode(frame));
  }
  const d = process.cpuUsage(before);
  return (d.user + d.system) / 1e6;
}

async function main(): Promise<void> {
  for (let i = 0; i < 5; i++) phrase(i); // espeak-ng + sox once, before anything is timed
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 100);
  const rig = await ConversationRig.start({
    tenants,
    guildsPerTenant: guilds,
    speakers,
    faults: { loss: Number(values.loss), reorder: Number(values.reorder), seed: 16 },
    server: { dave },
    replyText,
  });
  const cpuBefore = process.cpuUsage();
  const fakeBefore = fakeCpuSeconds();
  const started = Date.now();
  const results: TurnResult[] = [];
  let lost = 0;
  await Promise.all(
    rig.sessions.map(async (session, si) => {
      const listener = `39000000000000${String(si).padStart(4, '0')}`;
      for (let u = 0; u < utterances; u++) {
        // Churn between turns of this channel: each join and leave is one MLS commit (a new epoch).
        if (churn && u === Math.floor(utterances / 2)) rig.server.join(session.guildId, listener);
        if (churn && u === Math.floor((utterances * 3) / 4)) rig.server.leave(listener);
        for (const [pi, person] of session.people.entries()) {
          try {
            results.push(await conversationTurn(rig, session, person, phrase(u + pi + si), 30_000));
          } catch (e) {
            lost++;
            console.error(`${session.sessionId}: ${(e as Error).message}`);
          }
        }
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const processCpu = (cpu.user + cpu.system) / 1e6;
  const fakeCpu = fakeCpuSeconds() - fakeBefore;
  clearInterval(sampler);
  const health = rig.host.health();
  const daveFailures = rig.sessions.reduce(
    (n2, s) => n2 + s.people.reduce((m, p) => m + (p.dave?.decryptFailures ?? 0), 0),
    0,
  );
  await rig.stop();

  const sessions = rig.sessions.length;
  const firsts = results.map((r) => r.firstAudioMs).sort((a, b) => a - b);
  const toSegment = results.map((r) => r.reply.storedAt - r.utteranceEnd).sort((a, b) => a - b);
  const toAudio = results
    .map((r) => r.utteranceEnd + r.firstAudioMs - r.reply.storedAt)
    .sort((a, b) => a - b);
  const spoken = sessions * speakers * utterances;
  const perSession = (x: number) => Math.round((x / seconds / sessions) * 10_000) / 10_000;
  const baseline = codecBaselineSeconds(results.slice(0, speakers * utterances));
  const out = {
    bench: 'voice-e2e',
    sessions,
    speakers_per_session: speakers,
    utterances: spoken,
    segments_received: rig.replies.length,
    replies_heard: results.length,
    lost_utterances: spoken - results.length,
    turn_failures: lost,
    split_utterances: results.filter((r) => r.segments > 1).length,
    split_detail: results
      .filter((r) => r.segments > 1)
      .slice(0, 5)
      .map((r) => ({ speaker: r.speaker, segment_ms: r.segmentMs, snr_db: Math.round(r.snrDb) })),
    reply_snr_db_min: Math.round(Math.min(...results.map((r) => r.snrDb)) * 10) / 10,
    reply_duration_error_max:
      Math.round(Math.max(...results.map((r) => Math.abs(r.heardMs - r.ttsMs) / r.ttsMs)) * 1000) / 1000,
    first_audio_p50_ms: Math.round(percentile(firsts, 50)),
    first_audio_p95_ms: Math.round(percentile(firsts, 95)),
    // Where first audio goes: speech end → segment at the worker chain (hangover included), then → first reply packet.
    to_segment_p50_ms: Math.round(percentile(toSegment, 50)),
    to_segment_p95_ms: Math.round(percentile(toSegment, 95)),
    segment_to_audio_p50_ms: Math.round(percentile(toAudio, 50)),
    segment_to_audio_p95_ms: Math.round(percentile(toAudio, 95)),
    dave: dave ? 'on' : 'off',
    dave_epochs: rig.server.daveEpochChanges,
    decrypt_failures:
      rig.server.decryptFailures +
      health.sessions.reduce((n2, s) => n2 + s.decrypt_failures, 0) +
      daveFailures,
    dave_decrypt_failures_people: daveFailures,
    injected: { loss: Number(values.loss), reorder: Number(values.reorder), ...rig.server.faults.counts },
    seconds: Math.round(seconds),
    host_cpu_per_session: perSession(processCpu - fakeCpu),
    fake_cpu_per_session: perSession(fakeCpu),
    baseline_codec_cpu_per_session: Math.round((baseline / seconds) * 10_000) / 10_000,
    host_rss_mb: Math.round(rssPeak / 1_048_576),
    rss_before_host_mb: Math.round(rssBefore / 1_048_576),
    targets: {
      every_utterance_answered: spoken === results.length && rig.replies.length === spoken,
      snr: Math.min(...results.map((r) => r.snrDb)) >= TARGET_SNR_DB,
      first_audio_p95: percentile(firsts, 95) <= TARGET_FIRST_AUDIO_P95_MS,
      rss: rssPeak / 1_048_576 <= TARGET_RSS_MB,
    },
  };
  if (!values.json) console.table(out);
  console.log(JSON.stringify(out));
}

await main();
process.exit(0);
