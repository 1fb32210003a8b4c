using CyberDb.Bench;

// Usage: CyberDb.Bench [run] [--quick] [options]   the orchestrator (default mode)
//        CyberDb.Bench worker ...                 one client process, driven over stdin/stdout
//        CyberDb.Bench cyberdb-server ...         a CyberDb server process (when CyberDb is compiled in)
// Modes are the IBenchMode classes of this assembly, found by name, so a mode is one file.
// Main stays synchronous on purpose: child processes are started from this thread, and their
// parent-death signal (setpriv --pdeathsig) is tied to the thread that forked them.
var modes = typeof(IBenchMode).Assembly.GetTypes()
    .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IBenchMode).IsAssignableFrom(t))
    .Select(t => (IBenchMode)Activator.CreateInstance(t)!)
    .ToDictionary(m => m.Name, StringComparer.Ordinal);

if (args.Length > 0 && modes.TryGetValue(args[0], out var mode))
{
    return mode.Run(args[1..]);
}

if (args.Length == 0 || args[0].StartsWith('-'))
{
    return modes[RunMode.ModeName].Run(args);
}

Console.Error.WriteLine($"usage: CyberDb.Bench [{string.Join('|', modes.Keys.Order(StringComparer.Ordinal))}] [options]; run --help for the options");
return 64;
