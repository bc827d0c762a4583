/**
 * Theme choice: 'system' follows prefers-color-scheme; 'light'/'dark' are an explicit override kept
 * in localStorage (a device preference, so no cookie and no server round trip). The inline script in
 * src/app.html applies the stored value before first paint; keep the key and colours in sync.
 */
export type ThemeChoice = 'system' | 'light' | 'dark';

const STORAGE_KEY = 'wymiana_theme';
const THEME_COLOR = { light: '#ffffff', dark: '#101318' } as const;

export function readThemeChoice(): ThemeChoice {
	try {
		const stored = localStorage.getItem(STORAGE_KEY);
		return stored === 'light' || stored === 'dark' ? stored : 'system';
	} catch {
		// Storage can be blocked (private mode, strict settings); fall back to the system theme.
		return 'system';
	}
}

export function systemPrefersDark(): boolean {
	return window.matchMedia('(prefers-color-scheme: dark)').matches;
}

export function effectiveTheme(choice: ThemeChoice): 'light' | 'dark' {
	if (choice !== 'system') return choice;
	return systemPrefersDark() ? 'dark' : 'light';
}

export function applyThemeChoice(choice: ThemeChoice): void {
	const root = document.documentElement;
	if (choice === 'system') delete root.dataset.theme;
	else root.dataset.theme = choice;

	try {
		if (choice === 'system') localStorage.removeItem(STORAGE_KEY);
		else localStorage.setItem(STORAGE_KEY, choice);
	} catch {
		// Not persisted, but still applied for this page view.
	}

	// The browser chrome colour: with an explicit choice both media variants get that colour.
	for (const meta of document.querySelectorAll<HTMLMetaElement>('meta[name="theme-color"]')) {
		const media = meta.media.includes('dark') ? 'dark' : 'light';
		meta.content = THEME_COLOR[choice === 'system' ? media : choice];
	}
}
