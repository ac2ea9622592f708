// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// HTTPS front for s3rver that checks every request's SigV4 signature.
//
// usage: node s3proxy.js PORT UPSTREAM_PORT KEY CERT ACCESS_KEY SECRET_FILE
//
// s3rver checks no signature; this proxy recomputes each one with
// @smithy/signature-v4 from the known secret, answers 403 when it
// differs (or the payload hash does not match the body), and passes
// the rest to s3rver on loopback.  It logs one line per request.

'use strict';

const https = require('https');
const http = require('http');
const fs = require('fs');
const crypto = require('crypto');
const { SignatureV4 } = require('@smithy/signature-v4');
const { Sha256 } = require('@aws-crypto/sha256-js');

const [port, upstream, keyFile, certFile, accessKey, secretFile] =
    process.argv.slice(2);
const secret = fs.readFileSync(secretFile, 'utf8').split(/\r?\n/)[0];

function parseAuth(h) {
	const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(h || '');
	if (!m)
		return null;
	return { ak: m[1], region: m[3], signed: m[4].split(';'), sig: m[5] };
}

function amzDate(s) {
	const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s || '');
	if (!m)
		return null;
	return new Date(Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

async function check(req, body) {
	const auth = parseAuth(req.headers.authorization);
	const date = amzDate(req.headers['x-amz-date']);
	if (!auth || !date || auth.ak !== accessKey)
		return 'no or foreign credentials';
	if (Math.abs(Date.now() - date.getTime()) > 15 * 60 * 1000)
		return 'request too old';
	const sha = crypto.createHash('sha256').update(body).digest('hex');
	const claimed = req.headers['x-amz-content-sha256'];
	if (claimed !== sha)
		return 'payload hash does not match the body';
	const url = new URL(req.url, 'https://' + req.headers.host);
	const query = {};
	for (const [k, v] of url.searchParams)
		query[k] = v;
	const headers = {};
	for (const name of auth.signed) {
		if (req.headers[name] === undefined)
			return 'signed header missing: ' + name;
		headers[name] = req.headers[name];
	}
	const signer = new SignatureV4({
		credentials: { accessKeyId: accessKey, secretAccessKey: secret },
		region: auth.region, service: 's3', sha256: Sha256,
		uriEscapePath: false, applyChecksum: false,
	});
	const signed = await signer.sign({
		method: req.method, protocol: 'https:',
		hostname: url.hostname, port: +url.port, path: url.pathname,
		query, headers, body,
	}, { signingDate: date });
	const got = parseAuth(signed.headers.authorization);
	if (!got || !crypto.timingSafeEqual(Buffer.from(got.sig),
	    Buffer.from(auth.sig)))
		return 'signature does not match';
	return null;
}

function forward(req, body, res) {
	const headers = { ...req.headers };
	delete headers.authorization;
	headers.host = '127.0.0.1:' + upstream;
	const up = http.request({ host: '127.0.0.1', port: +upstream,
	    method: req.method, path: req.url, headers }, (ur) => {
		res.writeHead(ur.statusCode, ur.headers);
		ur.pipe(res);
	});
	up.on('error', () => {
		res.writeHead(503, { 'content-type': 'application/xml' });
		res.end('<Error><Code>ServiceUnavailable</Code></Error>');
	});
	up.end(body);
}

https.createServer({
	key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile),
}, (req, res) => {
	const chunks = [];
	req.on('data', (c) => chunks.push(c));
	req.on('end', async () => {
		const body = Buffer.concat(chunks);
		let why;
		try {
			why = await check(req, body);
		} catch (e) {
			why = 'cannot check: ' + e.message;
		}
		console.log(`${req.method} ${req.url} ${why ? '403 ' + why : 'ok'}`);
		if (why) {
			res.writeHead(403, { 'content-type': 'application/xml' });
			res.end('<Error><Code>SignatureDoesNotMatch</Code>' +
			    `<Message>${why}</Message></Error>`);
			return;
		}
		forward(req, body, res);
	});
}).listen(+port, '127.0.0.1', () => console.log('listening ' + port));
