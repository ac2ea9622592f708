// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// Real WebAuthn ceremonies in headless Chromium's virtual authenticator.
//
// Usage: node ceremony.mjs --profile DIR [--reg-challenge HEX]
//            [--nonce HEX] [--login-pk HEX]
//
// Serves page.html on http://localhost:PORT (WebAuthn refuses an IP
// literal), drives Chromium with playwright-core through a fresh
// profile in DIR, adds a CTAP2 virtual authenticator over the DevTools
// WebAuthn domain, and runs registrations (ES256, EdDSA, packed
// attestation, a registration from a subdomain page) and assertions.
// The login challenge is SHA-256("pccx-remote webauthn login v1" ||
// nonce || login-pk), computed here independently of the C code.
// Writes one JSON object to stdout, every byte string in base64url.
// Chromium's command line names DIR, so that the caller can find and
// end it whatever happens here.

import { chromium } from "playwright-core";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const LABEL = "pccx-remote webauthn login v1";
const ES256 = -7;
const EDDSA = -8;

function usage(msg) {
	process.stderr.write(`ceremony.mjs: ${msg}\n`);
	process.exit(2);
}

function parseArgs(argv) {
	const o = {};
	for (let i = 0; i < argv.length; i += 2) {
		const k = argv[i], v = argv[i + 1];
		if (!k.startsWith("--") || v === undefined)
			usage(`bad argument ${k}`);
		o[k.slice(2)] = v;
	}
	if (!o.profile)
		usage("--profile is required");
	return o;
}

function hexArg(v, n) {
	if (v === undefined)
		return crypto.randomBytes(n);
	if (!new RegExp(`^[0-9a-f]{${2 * n}}$`).test(v))
		usage(`want ${n} bytes of hex: ${v}`);
	return Buffer.from(v, "hex");
}

const b64u = (b) => Buffer.from(b).toString("base64url");

function loginChallenge(nonce, pk) {
	return crypto.createHash("sha256").update(LABEL).update(nonce)
	    .update(pk).digest();
}

function serve() {
	const page = fs.readFileSync(path.join(here, "page.html"));
	const srv = http.createServer((req, res) => {
		if (req.method !== "GET" || req.url !== "/") {
			res.writeHead(404).end();
			return;
		}
		res.writeHead(200, { "content-type": "text/html" }).end(page);
	});
	return new Promise((resolve, reject) => {
		srv.once("error", reject);
		srv.listen(0, "127.0.0.1", () => resolve(srv));
	});
}

async function register(page, rpId, challenge, alg, attestation) {
	return page.evaluate((o) => window.pccxCreate(o), {
		rpId, challenge: b64u(challenge), alg, uv: "required",
		attestation, userId: b64u(crypto.randomBytes(16)),
	});
}

async function assert(page, rpId, challenge, credId, uv) {
	return page.evaluate((o) => window.pccxGet(o), {
		rpId, challenge: b64u(challenge), credId, uv,
	});
}

// One credential of the given algorithm: its registration, two
// assertions with UV, one without, and the private key the virtual
// authenticator holds (PKCS#8), to craft what no browser would send.
async function ceremony(page, cdp, authId, alg, a) {
	const r = {};

	r.reg = await register(page, "localhost", a.regChallenge, alg, "none");
	r.assert = [];
	for (let i = 0; i < 2; i++)
		r.assert.push(await assert(page, "localhost", a.loginChallenge,
		    r.reg.id, "required"));
	await cdp.send("WebAuthn.setUserVerified",
	    { authenticatorId: authId, isUserVerified: false });
	r.assert_nouv = await assert(page, "localhost", a.loginChallenge,
	    r.reg.id, "discouraged");
	await cdp.send("WebAuthn.setUserVerified",
	    { authenticatorId: authId, isUserVerified: true });
	const { credentials } = await cdp.send("WebAuthn.getCredentials",
	    { authenticatorId: authId });
	const c = credentials.find((x) =>
	    Buffer.from(x.credentialId, "base64").toString("base64url") ===
	    r.reg.id);
	if (!c)
		throw new Error("credential not found in the authenticator");
	r.private_key = Buffer.from(c.privateKey, "base64")
	    .toString("base64url");
	r.sign_count = c.signCount;
	return r;
}

async function run(args, state) {
	const a = {
		regChallenge: hexArg(args["reg-challenge"], 32),
		nonce: hexArg(args.nonce, 32),
		loginPk: hexArg(args["login-pk"], 32),
	};
	a.loginChallenge = loginChallenge(a.nonce, a.loginPk);

	state.srv = await serve();
	const port = state.srv.address().port;
	const origin = `http://localhost:${port}`;

	state.ctx = await chromium.launchPersistentContext(args.profile, {
		executablePath: "/usr/bin/chromium",
		headless: true,
		args: ["--no-sandbox", "--disable-gpu",
		    "--disable-background-networking",
		    "--disable-component-update", "--disable-sync",
		    "--no-first-run"],
	});

	const page = state.ctx.pages()[0] ?? await state.ctx.newPage();
	await page.goto(`${origin}/`);
	const cdp = await state.ctx.newCDPSession(page);
	await cdp.send("WebAuthn.enable");
	const { authenticatorId } = await cdp.send(
	    "WebAuthn.addVirtualAuthenticator", { options: {
		protocol: "ctap2", transport: "usb", hasResidentKey: true,
		hasUserVerification: true, isUserVerified: true,
		automaticPresenceSimulation: true,
	} });

	const out = {
		rp_id: "localhost", origin,
		reg_challenge: b64u(a.regChallenge), nonce: b64u(a.nonce),
		login_pk: b64u(a.loginPk),
		login_challenge: b64u(a.loginChallenge),
	};
	out.es256 = await ceremony(page, cdp, authenticatorId, ES256, a);
	out.eddsa = await ceremony(page, cdp, authenticatorId, EDDSA, a);
	out.packed = { reg: await register(page, "localhost", a.regChallenge,
	    ES256, "direct") };

	// The same authenticator from http://evil.localhost:PORT, a page
	// whose origin and rp id end like the real ones (Chromium does not
	// let it claim rp id localhost).
	const sub = `http://evil.localhost:${port}`;
	await page.goto(`${sub}/`);
	out.subdomain = { origin: sub, rp_id: "evil.localhost" };
	out.subdomain.reg = await register(page, "evil.localhost",
	    a.regChallenge, ES256, "none");
	out.subdomain.assert = await assert(page, "evil.localhost",
	    a.loginChallenge, out.subdomain.reg.id, "required");
	return out;
}

async function main() {
	const args = parseArgs(process.argv.slice(2));
	const state = {};
	const watchdog = setTimeout(() => {
		process.stderr.write("ceremony.mjs: timed out\n");
		process.exit(1);
	}, 45000);
	let out, rc = 0;

	try {
		out = await run(args, state);
	} catch (e) {
		process.stderr.write(`ceremony.mjs: ${e.stack ?? e}\n`);
		rc = 1;
	}
	if (state.ctx)
		await state.ctx.close().catch(() => {});
	if (state.srv)
		state.srv.close();
	clearTimeout(watchdog);
	if (rc === 0)
		process.stdout.write(JSON.stringify(out, null, 1) + "\n");
	process.exit(rc);
}

main();
