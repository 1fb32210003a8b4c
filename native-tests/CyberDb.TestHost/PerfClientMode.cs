using System.Diagnostics;
using System.Globalization;

namespace CyberDb.TestHost;

/// <summary>
/// A plain timing loop for quick measurements (the benchmark harness is the real tool):
/// <c>perf-client port get|set seconds valueBytes [transport] [encrypt]</c>. Waits for a "go" line on
/// standard input so that several processes start together, then prints
/// "RESULT ops=N seconds=S p50us=X p99us=Y transport=T".
/// </summary>
internal sealed class PerfClientMode : ITestHostMode
{
    public const string Password = "perf-password";

    public string Name => "perf-client";

    public int Run(string[] args)
    {
        var port = int.Parse(args[0], CultureInfo.InvariantCulture);
        var op = args[1];
        var seconds = double.Parse(args[2], CultureInfo.InvariantCulture);
        var valueBytes = int.Parse(args[3], CultureInfo.InvariantCulture);
        var transport = args.Length > 4 ? Enum.Parse<CyberTransport>(args[4], ignoreCase: true) : CyberTransport.Auto;
        var encrypt = args.Length > 5 && bool.Parse(args[5]);

        using var client = CyberDbClient.Connect(new CyberDbClientOptions { Port = port, Password = Password, Transport = transport, Encrypt = encrypt });
        using var proxy = client.GetProxy();
        proxy.Connect();
        const string table = "perf";
        try
        {
            proxy.CreateCyberDict(table);
        }
        catch (CyberDbException)
        {
            // another process created it
        }

        var dict = proxy.GetCyberDict(table);
        var value = new string('x', valueBytes);
        const int keys = 10_000;
        var keyNames = Enumerable.Range(0, keys).Select(i => "key:" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        for (var i = 0; i < keys; i += 97)
        {
            dict[keyNames[i]] = value;
        }

        Console.WriteLine("READY");
        _ = Console.ReadLine();

        var samples = new List<long>(1 << 20);
        var stopwatch = Stopwatch.StartNew();
        var deadline = (long)(seconds * Stopwatch.Frequency);
        var n = 0;
        while (stopwatch.ElapsedTicks < deadline)
        {
            var key = keyNames[n % keys];
            var start = Stopwatch.GetTimestamp();
            if (op == "get")
            {
                _ = dict.GetValueOrDefault(key);
            }
            else
            {
                dict[key] = value;
            }

            samples.Add(Stopwatch.GetTimestamp() - start);
            n++;
        }

        var elapsed = stopwatch.Elapsed.TotalSeconds;
        samples.Sort();
        double Micros(double q) => samples[(int)Math.Min(samples.Count - 1, q * samples.Count)] * 1e6 / Stopwatch.Frequency;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT ops={n} seconds={elapsed:0.###} p50us={Micros(0.50):0.0} p99us={Micros(0.99):0.0} transport={client.Transport}"));
        return 0;
    }
}
