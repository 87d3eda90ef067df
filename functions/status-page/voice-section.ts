/** A tenant's voice sessions on the status page: per segment its transcript, spectrogram and Duck's reply. */
import { count, duration, utcTime } from './display-format.ts';
import { html, type SafeHtml } from './html.ts';
import type { TenantPageData } from './status-page-data.ts';
import type { VoiceSegmentView, VoiceSessionView } from './voice-sessions.ts';

/** Where the page loads a segment's spectrogram PNG from (admin-only, see status-page-routes.ts). */
export function spectrogramUrl(provider: string, tenant: string, segmentId: string): string {
  return `/status/voice/${encodeURIComponent(provider)}/${encodeURIComponent(tenant)}/spectrogram?id=${encodeURIComponent(segmentId)}`;
}

function transcript(s: VoiceSegmentView): SafeHtml {
  const t = s.transcript;
  if (!t) return html`<span class="empty">not transcribed yet</span>`;
  const facts = [
    t.confidence === undefined ? undefined : `confidence ${t.confidence.toFixed(2)}`,
    t.latency_ms === undefined ? undefined : `STT ${duration(t.latency_ms)}`,
  ].filter((f) => f !== undefined);
  return html`<span class="msg">${t.text === '' ? html`<span class="empty">(no words)</span>` : t.text}</span>
${t.offline ? html` <span class="note">[offline transcription]</span>` : ''}
${facts.length > 0 ? html`<div class="small">${facts.join(' · ')}</div>` : ''}`;
}

function segmentRow(t: TenantPageData, s: VoiceSegmentView): SafeHtml {
  const image = s.has_spectrogram
    ? html`<img src="${spectrogramUrl(t.provider, t.tenant, s.id)}" alt="spectrogram of ${s.id}" loading="lazy">`
    : html`<span class="empty small">no spectrogram yet</span>`;
  const span = s.ts_start !== undefined && s.ts_end !== undefined ? duration(s.ts_end - s.ts_start) : '';
  return html`<div class="voice-segment" data-segment="${s.id}">
<div>${image}</div>
<div><div class="small">${utcTime(s.ts_start)} · ${span} · speaker <code>${s.user_id ?? '?'}</code></div>
<div>${transcript(s)}</div>
${s.reply ? html`<div><strong>Duck:</strong> <span class="msg">${s.reply.text}</span>${s.reply.offline ? html` <span class="note">[offline reply]</span>` : ''}${s.speech_to_first_chunk_ms === undefined ? '' : html` <span class="small">first sound ${duration(s.speech_to_first_chunk_ms)} after the end of speech</span>`}</div>` : ''}</div>
</div>`;
}

function sessionBlock(t: TenantPageData, v: VoiceSessionView): SafeHtml {
  return html`<div class="voice-session" data-session="${v.session_id}">
<h4>session <code>${v.session_id}</code> <span class="small">${count(v.segment_count)} segments</span></h4>
${v.details.length > 0 ? html`<div class="small">${v.details.map(([k, value], i) => html`${i > 0 ? ' · ' : ''}<span>${k} <code>${value}</code></span>`)}</div>` : ''}
${v.segments.length === 0 ? html`<p class="empty">No segments yet.</p>` : v.segments.map((s) => segmentRow(t, s))}
</div>`;
}

/** Every session shown for the tenant, or why there is none. */
export function voiceSection(t: TenantPageData): SafeHtml {
  if (!t.voice.ok) {
    return html`<p class="empty">Voice sessions could not be read: ${t.voice.error}</p>`;
  }
  if (t.voice.value.length === 0) return html`<p class="empty">No voice sessions yet.</p>`;
  return html`${t.voice.value.map((v) => sessionBlock(t, v))}`;
}
