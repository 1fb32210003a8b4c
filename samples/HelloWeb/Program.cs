// The seed's app.py in C#: one worker process of the Flask app that `gunicorn -w 4` runs.
//
//   dotnet HelloWeb.dll --port 8000 --CyberDb:Port 9980 --CyberDb:Password hWjYvVdqRC
//   dotnet HelloWeb.dll --backend redis --redis 127.0.0.1:6379      (benchmark peer)
//   dotnet HelloWeb.dll --backend memory                            (benchmark ceiling)
//
// Several copies may run with the same --port: each binds with SO_REUSEPORT and the kernel
// spreads connections over them. samples/HelloWeb.Launcher starts the server and the workers.
using System.Globalization;
using System.Net;
using CyberDb;
using CyberDb.AspNetCore;
using HelloWeb;
using StackExchange.Redis;

var builder = WebApplication.CreateSlimBuilder(args);
var settings = builder.Configuration;
var backend = Enum.Parse<Backend>(settings["Backend"] ?? nameof(Backend.CyberDb), ignoreCase: true);
var host = IPAddress.Parse(settings["Host"] ?? "127.0.0.1");
var port = settings.GetValue("Port", 8000);
var pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
builder.WebHost.UseSockets(sockets => sockets.CreateBoundListenSocket = ReusePortSocket.CreateBound);
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Listen(host, port);
});

switch (backend)
{
    case Backend.CyberDb:
        // client = cyberdb.connect(...): a singleton pool; g.proxy: a CyberProxy per request.
        builder.Services.AddCyberDb(settings.GetSection("CyberDb"));
        builder.Services.AddHealthChecks().AddCyberDbHealthCheck();
        break;
    case Backend.Redis:
        // Connected before the worker reports ready, so the first requests under load do not race the connect.
        var redis = await ConnectionMultiplexer.ConnectAsync(settings["Redis"] ?? "127.0.0.1:6379");
        builder.Services.AddSingleton<IConnectionMultiplexer>(redis);
        break;
}

var app = builder.Build();
app.Use((context, next) =>
{
    context.Response.Headers["X-Worker-Pid"] = pid;
    return next(context);
});

switch (backend)
{
    case Backend.CyberDb:
        // before_request / teardown_request: the scope connects the proxy when the handler asks
        // for it and closes it (back to the pool) when the request ends.
        // centre['content'] as the seed reads it, awaited: the request's thread goes back to the
        // pool while the server answers over shared memory.
        app.MapGet("/", async (CyberProxy proxy) =>
        {
            var centre = await proxy.GetCyberDictAsync("centre");
            var content = (string)(await centre.GetAsync("content"))!;
            return TypedResults.Json(new HelloResponse(1, content), HelloJsonContext.Default.HelloResponse);
        });
        app.MapHealthChecks("/healthz");
        break;
    case Backend.Redis:
        app.MapGet("/", async (IConnectionMultiplexer redis) =>
        {
            var content = await redis.GetDatabase().HashGetAsync("centre", "content");
            return TypedResults.Json(new HelloResponse(1, content.ToString()), HelloJsonContext.Default.HelloResponse);
        });
        break;
    case Backend.Memory:
        var centre = new Dictionary<string, string> { ["content"] = "Hello CyberDB!" };
        app.MapGet("/", () => TypedResults.Json(new HelloResponse(1, centre["content"]), HelloJsonContext.Default.HelloResponse));
        break;
}

await app.StartAsync();

// The launcher waits for this line; it also owns our standard input: when it closes it (or
// dies), we stop, so a killed launcher never leaves workers behind.
Console.WriteLine($"HelloWeb worker {pid} ready on http://{host}:{port} (backend {backend})");
if (settings.GetValue("WatchStdin", false))
{
    var lifeline = new Thread(() =>
    {
        try
        {
            while (Console.In.ReadLine() is not null)
            {
            }
        }
        catch (IOException)
        {
        }

        app.Lifetime.StopApplication();
    })
    {
        IsBackground = true,
        Name = "launcher lifeline",
    };
    lifeline.Start();
}

await app.WaitForShutdownAsync();
await app.DisposeAsync();
