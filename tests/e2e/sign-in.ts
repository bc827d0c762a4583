import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { currentTotp } from '$server/auth/totp';

/** Fills the sign-in form (the fitter app's and the planner console's are the same) and submits it. */
export async function submitSignIn(p: Page, login: string, password: string): Promise<void> {
	await p.getByLabel('Login').fill(login);
	await p.getByLabel('Hasło', { exact: true }).fill(password);
	await p.getByRole('button', { name: 'Zaloguj się' }).click();
}

/**
 * Signs a demo fitter in to /app online and waits until the first sync has everything on the
 * tablet ("Wszystko wysłane"); returns the connection status in the header.
 */
export async function signInFitter(p: Page, appUrl: string, login = 'monter1'): Promise<Locator> {
	await p.goto(`${appUrl}/app`);
	await submitSignIn(p, login, 'monter-demo');
	await p.getByRole('heading', { name: 'Najbliższe zlecenia' }).waitFor();
	const header = p.getByRole('status', { name: 'Stan połączenia' });
	await expect.poll(() => header.innerText(), { timeout: 30_000 }).toContain('Wszystko wysłane');
	return header;
}

/**
 * Signs a demo planner or admin in to /plan for the first time: the password, then enrolling an
 * authenticator (demo accounts start without one). `onEnrol` sees the enrolment screen and its
 * secret before the code is sent. Resolves once the console's overview shows; returns the secret.
 */
export async function enrolOnPlan(
	p: Page,
	appUrl: string,
	login: string,
	password: string,
	onEnrol?: (secret: string) => Promise<void>
): Promise<string> {
	await p.goto(`${appUrl}/plan`);
	await submitSignIn(p, login, password);
	await p.getByRole('heading', { name: 'Włącz weryfikację dwuetapową' }).waitFor();
	const secret = (await p.locator('.secret').innerText()).replace(/\s/g, '');
	await onEnrol?.(secret);
	await p.getByLabel('Kod (6 cyfr)').fill(currentTotp(secret));
	await p.getByRole('button', { name: 'Włącz weryfikację' }).click();
	await p.getByRole('heading', { name: 'Zlecenia według statusu' }).waitFor();
	return secret;
}
