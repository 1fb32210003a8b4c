using System.Globalization;

namespace CyberDb.TestHost;

/// <summary>
/// <c>client-ops &lt;port&gt; &lt;password&gt; &lt;script&gt; [args...]</c>: a CyberDb client in its own
/// process, connected over TCP, running one scripted set of operations and printing each result
/// as a line (see <see cref="ValueText"/>). Scripts:
/// <list type="bullet">
/// <item><c>basic &lt;prefix&gt;</c>: reads the dict <c>&lt;prefix&gt;-seed</c> the test created, then
/// exercises dict, list and catalog members on <c>&lt;prefix&gt;-dict</c> / <c>&lt;prefix&gt;-list</c>; ends with <c>DONE</c>.</item>
/// <item><c>increment &lt;dict&gt; &lt;key&gt; &lt;count&gt;</c>: prints <c>READY</c>, waits for a <c>go</c> line,
/// increments <c>count</c> times, prints <c>DONE &lt;last result&gt;</c>.</item>
/// <item><c>spin &lt;dict&gt; &lt;key&gt;</c>: increments forever; prints <c>RUNNING</c> after the first 100. Tests kill it.</item>
/// <item><c>tryupdate &lt;dict&gt; &lt;key&gt; &lt;count&gt;</c>: like <c>increment</c>, but each step is a
/// compare-and-swap loop (read, <c>TryUpdate(v + 1, v)</c>, retry on a lost race); <c>DONE &lt;retries&gt;</c>.</item>
/// <item><c>threads &lt;dict&gt; &lt;key&gt; &lt;threads&gt; &lt;count&gt;</c>: like <c>increment</c> from
/// that many threads, each with its own proxy (its own pooled connection); <c>DONE</c>.</item>
/// <item><c>spin-big &lt;dict&gt; &lt;bytes&gt;</c>: sets and reads back a value of that size forever
/// (so a kill lands mid-chunk); prints <c>RUNNING</c> after the first round trip. Tests kill it.</item>
/// </list>
/// The transport is <c>Tcp</c> unless the environment variable <c>CYBERDB_TRANSPORT</c> names another.
/// Any unexpected exception prints <c>ERROR &lt;type&gt;: &lt;message&gt;</c> and exits 1.
/// </summary>
internal sealed class ClientOpsMode : ITestHostMode
{
    public string Name => "client-ops";

    public int Run(string[] args)
    {
        try
        {
            var options = new CyberDbClientOptions
            {
                Port = int.Parse(args[0], CultureInfo.InvariantCulture),
                Password = args[1],
                Transport = Enum.Parse<CyberTransport>(Environment.GetEnvironmentVariable("CYBERDB_TRANSPORT") ?? nameof(CyberTransport.Tcp)),
                OperationTimeout = TimeSpan.FromSeconds(20),
            };
            using var client = CyberDbClient.Connect(options);
            using var proxy = client.GetProxy();
            proxy.Connect();
            switch (args[2])
            {
                case "basic": Basic(proxy, args[3]); break;
                case "increment": Increment(proxy, args[3], args[4], int.Parse(args[5], CultureInfo.InvariantCulture)); break;
                case "spin": Spin(proxy, args[3], args[4]); break;
                case "tryupdate": TryUpdateLoop(proxy, args[3], args[4], int.Parse(args[5], CultureInfo.InvariantCulture)); break;
                case "threads": Threads(client, args[3], args[4], int.Parse(args[5], CultureInfo.InvariantCulture), int.Parse(args[6], CultureInfo.InvariantCulture)); break;
                case "spin-big": SpinBig(proxy, args[3], int.Parse(args[4], CultureInfo.InvariantCulture)); break;
                default: throw new ArgumentException($"unknown script {args[2]}");
            }

            return 0;
        }
        catch (Exception e)
        {
            Console.WriteLine($"ERROR {e.GetType().Name}: {e.Message}");
            return 1;
        }
    }

    private static void Print(string what, object? value) => Console.WriteLine($"{what} = {ValueText.Format(value)}");

    private static void PrintThrows(string what, Action action)
    {
        try
        {
            action();
            Console.WriteLine($"{what} = no exception");
        }
        catch (Exception e)
        {
            Console.WriteLine($"{what} throws {e.GetType().Name}");
        }
    }

    private static void Basic(CyberProxy proxy, string prefix)
    {
        var seed = proxy.GetCyberDict(prefix + "-seed");
        Print("seed.items", seed.ToDictionary());

        var dict = proxy.CreateCyberDict(prefix + "-dict", [new("a", 1), new(2, "two")]);
        dict["c"] = new List<object?> { 1.5, null, true, new byte[] { 1, 2 } };
        dict[2L] = "deux";
        Print("dict.count", dict.Count);
        Print("dict[2]", dict[2]);
        Print("dict.keys", dict.Keys);
        Print("dict.get<int>(a)", dict.Get<int>("a"));
        Print("dict.increment(a,41)", dict.Increment("a", 41));
        Print("dict.getordefault(x)", dict.GetValueOrDefault("x", "dflt"));
        Print("dict.getoradd(x)", dict.GetOrAdd("x", 0));
        Print("dict.tryadd(x)", dict.TryAdd("x", 1));
        Print("dict.tryupdate(a)", dict.TryUpdate("a", "was 42", 42.0));
        Print("dict.popitem", dict.PopItem());
        Print("dict.pop(missing,d)", dict.Pop("missing", "d"));
        PrintThrows("dict[missing]", () => _ = dict["missing"]);
        PrintThrows("dict.increment(c)", () => dict.Increment("c"));
        PrintThrows("dict[guid]", () => dict["g"] = Guid.Empty);
        Print("dict.items", dict.ToDictionary());

        var list = proxy.CreateCyberList(prefix + "-list", [3, 1.5, 2]);
        list.Add(0);
        list.Insert(0, 10);
        list.Sort();
        Print("list.sorted", list.ToList());
        Print("list[^1]", list[^1]);
        Print("list[1..3]", list[1..3]);
        Print("list.pop", list.Pop());
        Print("list.indexof(2)", list.IndexOf(2));
        list.Reverse();
        Print("list.reversed", list.ToList());
        PrintThrows("list[99]", () => _ = list[99]);
        PrintThrows("list.sort(mixed)", () => { list.Add("s"); list.Sort(); });
        PrintThrows("create(existing)", () => proxy.CreateCyberList(prefix + "-list"));
        PrintThrows("get(missing)", () => proxy.GetCyberDict(prefix + "-missing"));
        Print("tables", proxy.GetTables().Where(t => t.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(t => $"{t.Key[prefix.Length..]}:{t.Value}").ToList());
        Console.WriteLine("DONE");
    }

    private static void Increment(CyberProxy proxy, string table, string key, int count)
    {
        var dict = proxy.GetCyberDict(table);
        Console.WriteLine("READY");
        if (Console.ReadLine() != "go")
        {
            throw new InvalidOperationException("expected go");
        }

        long last = 0;
        for (var i = 0; i < count; i++)
        {
            last = dict.Increment(key);
        }

        Console.WriteLine(FormattableString.Invariant($"DONE {last}"));
    }

    private static void Spin(CyberProxy proxy, string table, string key)
    {
        var dict = proxy.GetCyberDict(table);
        for (var i = 1; ; i++)
        {
            dict.Increment(key);
            if (i == 100)
            {
                Console.WriteLine("RUNNING");
            }
        }
    }

    private static void WaitForGo()
    {
        Console.WriteLine("READY");
        if (Console.ReadLine() != "go")
        {
            throw new InvalidOperationException("expected go");
        }
    }

    private static void TryUpdateLoop(CyberProxy proxy, string table, string key, int count)
    {
        var dict = proxy.GetCyberDict(table);
        WaitForGo();
        long retries = 0;
        for (var i = 0; i < count; i++)
        {
            while (true)
            {
                var current = dict.Get<long>(key);
                if (dict.TryUpdate(key, current + 1, current))
                {
                    break;
                }

                retries++;
            }
        }

        Console.WriteLine(FormattableString.Invariant($"DONE {retries}"));
    }

    private static void Threads(CyberDbClient client, string table, string key, int threads, int count)
    {
        WaitForGo();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            try
            {
                using var own = client.GetProxy();
                own.Connect();
                var dict = own.GetCyberDict(table);
                for (var i = 0; i < count; i++)
                {
                    dict.Increment(key);
                }
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        })).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());
        if (failures.TryDequeue(out var failure))
        {
            throw failure;
        }

        Console.WriteLine(FormattableString.Invariant($"DONE {client.Transport}"));
    }

    private static void SpinBig(CyberProxy proxy, string table, int bytes)
    {
        var dict = proxy.GetCyberDict(table);
        var value = new byte[bytes];
        for (var i = 1; ; i++)
        {
            value[0] = (byte)i;
            dict["big"] = value;
            _ = dict["big"];
            if (i == 1)
            {
                Console.WriteLine("RUNNING");
            }
        }
    }
}
