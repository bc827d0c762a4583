// Runs before first paint (a blocking script in <head>) so a stored theme choice never flashes the
// wrong colours, and marks the document as scripted so controls that need JavaScript (the theme
// toggle) only appear when they can work. A file, not an inline script: the Content-Security-Policy
// allows no inline script but SvelteKit's own hashed one. Keep in sync with src/lib/ui/theme.ts.
(function () {
	var d = document.documentElement;
	d.classList.add('js');
	try {
		var t = localStorage.getItem('wymiana_theme');
		if (t === 'light' || t === 'dark') {
			d.dataset.theme = t;
			var c = t === 'dark' ? '#101318' : '#ffffff';
			document.querySelectorAll('meta[name="theme-color"]').forEach(function (m) {
				m.setAttribute('content', c);
			});
		}
	} catch (e) {}
})();
