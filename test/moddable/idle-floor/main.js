// The floor for the idle test (test/moddable.test.ts): the simulated NodeMCU
// with an app that does nothing at all. What mcsim costs with it, measured in
// the same run, is what our idle app is compared with.
trace("IDLE\n");
