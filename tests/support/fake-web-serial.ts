/**
 * A fake `navigator.serial` with one optical probe on it, for Chromium tests: bundled by
 * `fakeWebSerialScript()` and added to the page before the app loads. The probe sits on a
 * simulated meter that the test sets from outside:
 *   window.__opticalProbe.configure({ manufacturer, baudChar, lines, echo, faults… })
 *   window.__opticalProbe.unplug()
 */
import { SimulatedProbe } from '../../src/lib/optical/simulated-serial';

const probe = new SimulatedProbe({ lines: ['1.8.1(000000.000*kWh)'] });
const serial = probe.serial();
Object.defineProperty(window, '__opticalProbe', { value: probe });
Object.defineProperty(Navigator.prototype, 'serial', { configurable: true, get: () => serial });
