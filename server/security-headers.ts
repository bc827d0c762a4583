/**
 * Security headers for every response, and the cross-site request check for the API. Pure
 * functions of the request, so the header test can state the policy without a browser.
 */

/** Paths where the fitter's scanner runs: the only place the camera may be used. */
const CAMERA_PATHS = /^\/app(\/|$)/;

/**
 * The CSP for responses that are not SvelteKit pages (API answers, PDFs, blobs): nothing may run
 * or embed them. Pages get theirs from svelte.config.js, with hashes of SvelteKit's inline script.
 */
export const NON_PAGE_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export function securityHeaders(url: URL, existing: Headers): Record<string, string> {
	const headers: Record<string, string> = {
		'x-content-type-options': 'nosniff',
		'referrer-policy': 'same-origin',
		'x-frame-options': 'DENY',
		'cross-origin-opener-policy': 'same-origin',
		'cross-origin-resource-policy': 'same-origin',
		'permissions-policy': [
			`camera=${CAMERA_PATHS.test(url.pathname) ? '(self)' : '()'}`,
			'microphone=()',
			'geolocation=()',
			'payment=()',
			'usb=()',
			'serial=()'
		].join(', ')
	};
	// Only over HTTPS (directly or as ORIGIN/PROTOCOL_HEADER tell adapter-node): an HSTS header on
	// plain HTTP is ignored by browsers and would lock out a misconfigured test install.
	if (url.protocol === 'https:') headers['strict-transport-security'] = 'max-age=31536000; includeSubDomains';
	if (!existing.has('content-security-policy')) headers['content-security-policy'] = NON_PAGE_CSP;
	return headers;
}

/**
 * Cookie-authenticated state changes must come from our own pages. Browsers send Origin on every
 * cross-site POST/PUT and Sec-Fetch-Site on every request; a request carrying neither is not a
 * browser acting for a user (an operator's curl, a test), so it has no ambient cookie to abuse.
 * One check for every state-changing request to any path — tRPC, every `+server.ts` (CSV upload,
 * blob PUTs), every form action — run by the first server hook before anything else; SvelteKit's
 * own check (form content types only) stays on behind it.
 */
export function isCrossSiteWrite(request: Request, url: URL, configuredOrigin: string | undefined = process.env.ORIGIN): boolean {
	if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return false;
	const origin = request.headers.get('origin');
	if (origin !== null) {
		try {
			// With ORIGIN set, exactly that origin. Without it, the request's own host (the address a
			// tablet reached the server by); the scheme is not compared, since behind a proxy the
			// server may not know whether the browser used http or https.
			return configuredOrigin ? new URL(origin).origin !== new URL(configuredOrigin).origin : new URL(origin).host !== url.host;
		} catch {
			return true;
		}
	}
	const site = request.headers.get('sec-fetch-site');
	return site !== null && site !== 'same-origin' && site !== 'none';
}
