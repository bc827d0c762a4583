import { m } from '$lib/paraglide/messages.js';

/** The server's import report (server/import/import.service.ts), as JSON. */
export interface ImportReport {
	committed: boolean;
	dryRun: boolean;
	rows: number;
	errorCount: number;
	errors: Array<{ row: number; column: string | null; columnLabel: string | null; code: string; message: string; value?: string }>;
	added: number;
	updatedCount: number;
	updated: Array<{ row: number; ppe: string; fields: string[] }>;
	unchanged: number;
	newEstates: string[];
	newBuildings: number;
	encoding: 'utf-8' | 'windows-1250';
	ms: number;
}

export type ImportPhase = 'idle' | 'uploading' | 'processing' | 'done' | 'failed';

/**
 * The import screen: the file goes to the server as it is (streamed, with upload progress), which
 * parses and checks it; a dry run first, then the commit of the same file.
 */
export class ImportScreen {
	file = $state.raw<File | null>(null);
	phase = $state<ImportPhase>('idle');
	/** 0…1 of the upload. */
	progress = $state(0);
	report = $state.raw<ImportReport | null>(null);
	error = $state<string | null>(null);
	mode = $state<'check' | 'commit'>('check');

	choose(file: File | null): void {
		this.file = file;
		this.report = null;
		this.error = null;
		this.phase = 'idle';
		this.progress = 0;
	}

	get busy(): boolean {
		return this.phase === 'uploading' || this.phase === 'processing';
	}

	/** True once a dry run of the current file found no errors. */
	get canCommit(): boolean {
		return !!this.report && this.report.dryRun && this.report.errorCount === 0 && this.report.rows > 0;
	}

	send(mode: 'check' | 'commit'): Promise<void> {
		const file = this.file;
		if (!file) return Promise.resolve();
		this.mode = mode;
		this.phase = 'uploading';
		this.progress = 0;
		this.error = null;
		return new Promise((resolve) => {
			const xhr = new XMLHttpRequest();
			xhr.open('POST', `/plan/api/import?mode=${mode}&name=${encodeURIComponent(file.name)}`);
			xhr.setRequestHeader('content-type', 'text/csv');
			xhr.upload.onprogress = (e) => {
				if (e.lengthComputable) this.progress = e.loaded / e.total;
			};
			xhr.upload.onload = () => {
				this.progress = 1;
				this.phase = 'processing';
			};
			xhr.onload = () => {
				try {
					const body = JSON.parse(xhr.responseText) as ImportReport & { appCode?: string; message?: string };
					if (xhr.status === 200) {
						this.report = body;
						this.phase = 'done';
					} else {
						this.error = body.message ?? m.plan_import_failed({ code: body.appCode ?? String(xhr.status) });
						this.phase = 'failed';
					}
				} catch {
					this.error = m.plan_import_failed({ code: String(xhr.status) });
					this.phase = 'failed';
				}
				resolve();
			};
			xhr.onerror = () => {
				this.error = m.error_network();
				this.phase = 'failed';
				resolve();
			};
			xhr.send(file);
		});
	}
}
