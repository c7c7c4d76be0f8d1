/**
 * Loaded by mocha before the tests (`require` in test/unit and test/integration .mocharc.json): the
 * test process gets the guard the CLI has against a stalled libuv thread pool
 * (src/core/threadPoolWatchdog.ts). Without it, a unit-test run that takes 8 s here once took 14
 * minutes, standing still, until a debugger attached to it.
 */
import { startThreadPoolWatchdog } from '../src/core/threadPoolWatchdog';

startThreadPoolWatchdog({ nudge: 'always' });
