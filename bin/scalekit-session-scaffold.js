#!/usr/bin/env node
// Written in syntax any Node parses, with no static import: an older Node than
// "engines" allows gets one line saying so instead of a SyntaxError from dist/.
var MINIMUM = [20, 19]; // "engines" in package.json (a test keeps them equal)
var running = process.versions.node.split('.').map(Number);
if (running[0] < MINIMUM[0] || (running[0] === MINIMUM[0] && running[1] < MINIMUM[1])) {
  process.stderr.write(
    'scalekit-session-scaffold needs Node.js ' + MINIMUM.join('.') + ' or newer; this is ' + process.versions.node + '. Install a current LTS (https://nodejs.org) and run it again.\n',
  );
  process.exitCode = 1;
} else {
  Promise.all([import('../dist/context.js'), import('../dist/main.js')]).then(
    function (modules) {
      // Ctrl-C aborts the running command (the emulator and demo stop cleanly); a
      // second Ctrl-C, for a command that does not stop, ends the process.
      var controller = new AbortController();
      process.once('SIGINT', function () {
        controller.abort();
        process.once('SIGINT', function () {
          process.exit(130);
        });
      });
      return modules[1].main(process.argv.slice(2), modules[0].processContext(controller.signal)).then(function (code) {
        process.exitCode = code;
      });
    },
    function (error) {
      // In a clone, dist/ exists once `npm run build` has run (`npm test`, `npm run demo` and
      // `npm pack` build first); installs from the registry always ship it.
      if (error && error.code === 'ERR_MODULE_NOT_FOUND' && /[\\/]dist[\\/]/.test(String(error.message))) {
        process.stderr.write('error: dist/ is missing: this is a source checkout that has not been built.\nRun `npm run build` (npm test and npm run demo build first).\n');
        process.exitCode = 1;
        return;
      }
      throw error;
    },
  );
}
