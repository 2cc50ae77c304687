/** Escape text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** The frame of every gateway page. `body` must already be escaped HTML. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Portcullis</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1d2330;margin:0}
main{max-width:26rem;margin:8vh auto;background:#fff;padding:2rem;border-radius:10px;box-shadow:0 2px 12px #0001}
h1{font-size:1.35rem;margin:0 0 1rem}label{display:block;margin:.8rem 0 .3rem;font-weight:600}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #c4c8d0;border-radius:6px;font-size:1rem}
button,.button{display:inline-block;margin-top:1.2rem;padding:.6rem 1.1rem;border:0;border-radius:6px;background:#2b4cdb;color:#fff;font-size:1rem;text-decoration:none;cursor:pointer}
.alt{background:#39414f}.error{background:#fdecec;color:#8a1c1c;padding:.6rem;border-radius:6px}
.muted{color:#5b6372;font-size:.9rem}hr{border:0;border-top:1px solid #e3e5ea;margin:1.5rem 0}
</style></head><body><main>${body}</main></body></html>`;
}
