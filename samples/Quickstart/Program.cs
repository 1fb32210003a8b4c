using CyberDb;

// dotnet run --project samples/Quickstart -- init    (the seed's cyberdb_init.py: run once)
// dotnet run --project samples/Quickstart -- serve   (the seed's cyberdb_serve.py)
// Optional second argument: the snapshot path (default data.cdb).
var mode = args.Length > 0 ? args[0] : "help";
var path = args.Length > 1 ? args[1] : "data.cdb";
switch (mode)
{
    case "init":
        Init(path);
        return 0;
    case "serve":
        await ServeAsync(path);
        return 0;
    default:
        Console.Error.WriteLine("usage: Quickstart init|serve [data.cdb]");
        return 64;
}

// Initialise the table structure once: table `centre` with content = "Hello CyberDB!", saved to data.cdb.
static void Init(string path)
{
    using var db = new CyberDbServer();
    db.Start(new CyberDbServerOptions { Host = "127.0.0.1", Port = 9980, Password = "123456" });

    // Start returns once clients can connect: no sleep needed, unlike the seed.
    using var client = CyberDbClient.Connect(host: "127.0.0.1", port: 9980, password: "123456");
    using (var proxy = client.GetProxy())
    {
        proxy.Connect();
        proxy.CreateCyberDict("centre");
        var centre = proxy.GetCyberDict("centre");
        centre["content"] = "Hello CyberDB!";
    }

    db.SaveDb(path);
    Console.WriteLine($"initialised table 'centre' and saved it to {path}");
}

// Serve data.cdb in the foreground, backing it up every 300 s and once more on Ctrl+C / SIGTERM.
static async Task ServeAsync(string path)
{
    await using var db = new CyberDbServer();
    db.LoadDb(path);
    db.SetBackup(path, cycle: TimeSpan.FromSeconds(300));
    await db.RunAsync(new CyberDbServerOptions
    {
        Host = "127.0.0.1",
        Port = 9980,
        Password = "hWjYvVdqRC",
        MaxConnections = 10000,
        Encrypt = true,
        PrintLog = true,
    });
}
