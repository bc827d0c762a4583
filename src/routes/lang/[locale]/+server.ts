import { error, redirect } from '@sveltejs/kit';
import { locales } from '$lib/paraglide/runtime.js';
import type { RequestHandler } from './$types';

const ONE_YEAR_SECONDS = 60 * 60 * 24 * 365;

/**
 * Only same-site paths: '//evil.example' and '/\evil.example' are protocol-relative URLs in
 * browsers, so accepting them would make this route an open redirect.
 */
function safeBack(back: string | null): string {
	if (!back || !back.startsWith('/') || back.startsWith('//') || back.startsWith('/\\')) return '/';
	return back;
}

/** The language switch is a plain link here, so it works without JavaScript. */
export const GET: RequestHandler = ({ params, url, cookies }) => {
	const locale = (locales as readonly string[]).find((l) => l === params.locale);
	if (!locale) error(404);

	cookies.set('wymiana_lang', locale, {
		path: '/',
		maxAge: ONE_YEAR_SECONDS,
		sameSite: 'lax',
		// Paraglide reads the cookie in the browser too (client-rendered /app and /plan).
		httpOnly: false,
		secure: url.protocol === 'https:'
	});

	redirect(303, safeBack(url.searchParams.get('back')));
};
