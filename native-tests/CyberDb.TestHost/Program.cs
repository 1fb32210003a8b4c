using System.Reflection;
using CyberDb.TestHost;

// Usage: CyberDb.TestHost <mode> [args...]. Modes are the ITestHostMode classes of this assembly.
var modes = typeof(ITestHostMode).Assembly.GetTypes()
    .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ITestHostMode).IsAssignableFrom(t))
    .Select(t => (ITestHostMode)Activator.CreateInstance(t)!)
    .ToDictionary(m => m.Name, StringComparer.Ordinal);

if (args.Length == 0 || !modes.TryGetValue(args[0], out var mode))
{
    await Console.Error.WriteLineAsync($"usage: CyberDb.TestHost <{string.Join('|', modes.Keys.Order())}> [args...]");
    return 64;
}

return mode.Run(args[1..]);
