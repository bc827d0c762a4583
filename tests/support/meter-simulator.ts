/** The simulated mode C meter lives beside the protocol (the tablet's demo mode offers it too). */
export * from '../../src/lib/optical/simulator';
