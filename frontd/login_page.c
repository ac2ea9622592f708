/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The login page that runs the WebAuthn ceremony after the OIDC step. */

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "authgate.h"

#define PAGE_MAX	(96 * 1024)

/*
 * Everything the page needs is inline: no outside assets.  The
 * Content-Security-Policy allows only the inline script and style
 * carrying this response's nonce, and requests to this origin.  The
 * data block is JSON with '<', '>' and '&' escaped, so it cannot end
 * its element.
 */
static const char page_head[] =
"<!DOCTYPE html>\n"
"<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
"<meta name=\"viewport\" content=\"width=device-width\">\n"
"<title>pccx-remote sign-in</title>\n"
"<style nonce=\"%s\">\n"
"body{font:16px sans-serif;max-width:36em;margin:3em auto;padding:0 1em}\n"
"label{display:block;margin:.6em 0}input{width:100%%}\n"
"[hidden]{display:none}\n"
"</style></head>\n"
"<body data-state=\"ready\">\n"
"<h1>pccx-remote sign-in</h1>\n"
"<p id=\"who\"></p>\n"
"<p id=\"check\"></p>\n"
"<section id=\"login\" hidden><button id=\"signin\">"
"Sign in with your security key</button></section>\n"
"<section id=\"register\" hidden>\n"
"<p>This account has no device yet. Enter the enrolment code from your "
"operator and this device's WireGuard public key.</p>\n"
"<label>Enrolment code <input id=\"code\" autocomplete=\"off\"></label>\n"
"<label>WireGuard public key <input id=\"wg\" autocomplete=\"off\">"
"</label>\n"
"<label>Device name <input id=\"name\" value=\"laptop\"></label>\n"
"<button id=\"enrol\">Register a security key</button>\n"
"</section>\n"
"<p id=\"status\" role=\"status\"></p>\n"
"<script type=\"application/json\" id=\"data\">";

static const char page_tail[] =
"</script>\n"
"<script nonce=\"%s\">\n"
"\"use strict\";\n"
"const d = JSON.parse(document.getElementById(\"data\").textContent);\n"
"const $ = (id) => document.getElementById(id);\n"
"const enc = (b) => btoa(String.fromCharCode(...new Uint8Array(b)))\n"
"  .replace(/\\+/g, \"-\").replace(/\\//g, \"_\").replace(/=+$/, \"\");\n"
"const dec = (s) => Uint8Array.from(atob(s.replace(/-/g, \"+\")\n"
"  .replace(/_/g, \"/\")), (c) => c.charCodeAt(0));\n"
"function say(state, text) {\n"
"  document.body.dataset.state = state;\n"
"  $(\"status\").textContent = text;\n"
"}\n"
"async function post(path, body) {\n"
"  const r = await fetch(path, { method: \"POST\",\n"
"    headers: { \"Content-Type\": \"application/json\" },\n"
"    body: JSON.stringify(body) });\n"
"  const j = await r.json();\n"
"  if (!r.ok)\n"
"    throw new Error(j.error ? j.error.code : String(r.status));\n"
"  return j;\n"
"}\n"
"async function signin(challenge, ids) {\n"
"  const a = await navigator.credentials.get({ publicKey: {\n"
"    challenge: dec(challenge), rpId: d.rp_id, timeout: 60000,\n"
"    userVerification: d.user_verification,\n"
"    allowCredentials: ids.map((id) =>\n"
"      ({ type: \"public-key\", id: dec(id) })) } });\n"
"  await post(\"/v1/auth/webauthn\", { step: d.step, credential: {\n"
"    id: enc(a.rawId), response: {\n"
"      clientDataJSON: enc(a.response.clientDataJSON),\n"
"      authenticatorData: enc(a.response.authenticatorData),\n"
"      signature: enc(a.response.signature) } } });\n"
"  say(\"done\", \"Signed in. You can close this page.\");\n"
"}\n"
"async function enrol() {\n"
"  const o = await post(\"/v1/devices/register/begin\", { step: d.step,\n"
"    code: $(\"code\").value.trim(), wg_key: $(\"wg\").value.trim(),\n"
"    name: $(\"name\").value.trim() });\n"
"  const c = await navigator.credentials.create({ publicKey: {\n"
"    challenge: dec(o.challenge), timeout: 60000, attestation: \"none\",\n"
"    rp: { id: o.rp_id, name: \"pccx-remote\" },\n"
"    user: { id: dec(o.user_id), name: o.user, displayName: o.user },\n"
"    pubKeyCredParams: [{ type: \"public-key\", alg: -7 },\n"
"      { type: \"public-key\", alg: -8 }],\n"
"    authenticatorSelection: { userVerification: o.user_verification,\n"
"      residentKey: \"discouraged\" } } });\n"
"  const f = await post(\"/v1/devices/register/finish\", { step: d.step,\n"
"    credential: { id: enc(c.rawId), response: {\n"
"      clientDataJSON: enc(c.response.clientDataJSON),\n"
"      attestationObject: enc(c.response.attestationObject) } } });\n"
"  say(\"registered\", \"Key registered; signing in.\");\n"
"  await signin(f.challenge, f.credentials);\n"
"}\n"
"function run(fn) {\n"
"  fn().catch((e) => say(\"error\", \"Refused: \" + e.message));\n"
"}\n"
"$(\"who\").textContent = \"Identity: \" + d.user;\n"
"$(\"check\").textContent = \"Login code \" + d.login_code +\n"
"  \": your terminal must show the same. If it does not, close this \"+\n"
"  \"page: someone else started this login.\";\n"
"$(d.register ? \"register\" : \"login\").hidden = false;\n"
"$(\"signin\").addEventListener(\"click\",\n"
"  () => run(() => signin(d.challenge, d.credentials)));\n"
"$(\"enrol\").addEventListener(\"click\", () => run(enrol));\n"
"</script>\n"
"</body></html>\n";

/* Append data with the characters that could end a script escaped. */
static size_t
page_data(char *out, size_t off, size_t size, const char *data)
{
	const char	*rep;

	for (; *data != '\0' && off + 7 < size; data++) {
		switch (*data) {
		case '<':
			rep = "\\u003c";
			break;
		case '>':
			rep = "\\u003e";
			break;
		case '&':
			rep = "\\u0026";
			break;
		default:
			out[off++] = *data;
			continue;
		}
		memcpy(out + off, rep, 6);
		off += 6;
	}
	return off;
}

/*
 * login_page_reply: answer req with the login page carrying data (the
 * auth daemon's JSON), under a strict Content-Security-Policy with a
 * fresh nonce.
 */
void
login_page_reply(struct http_req *req, const char *data)
{
	unsigned char	 raw[18];
	char		 nonce[32], csp[512];
	char		*page;
	size_t		 off;
	int		 n;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(nonce, sizeof(nonce), raw, sizeof(raw),
	    sodium_base64_VARIANT_ORIGINAL);
	if ((page = malloc(PAGE_MAX)) == NULL) {
		http_reply_error(req, 503, "busy", "try again later");
		return;
	}
	n = snprintf(page, PAGE_MAX, page_head, nonce);
	off = page_data(page, n, PAGE_MAX - sizeof(page_tail) - 64, data);
	off += snprintf(page + off, PAGE_MAX - off, page_tail, nonce);
	snprintf(csp, sizeof(csp), "default-src 'none'; script-src "
	    "'nonce-%s'; style-src 'nonce-%s'; connect-src 'self'; "
	    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
	    nonce, nonce);
	http_reply_header(req, "Content-Security-Policy", csp);
	http_reply_header(req, "X-Content-Type-Options", "nosniff");
	http_reply_header(req, "Referrer-Policy", "no-referrer");
	http_reply(req, 200, "text/html; charset=utf-8", page, off);
	free(page);
}
