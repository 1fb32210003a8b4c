// The seed's deployment in one command: a CyberDb server (cyberdb_init.py + cyberdb_serve.py)
// and N HelloWeb worker processes on one port (gunicorn -w N -b 127.0.0.1:8000).
//
//   dotnet run --project samples/HelloWeb.Launcher -c Release -- demo     (build.ps1 demo)
//   dotnet run --project samples/HelloWeb.Launcher -c Release -- serve --port 8000
//   dotnet run --project samples/HelloWeb.Launcher -c Release -- bench
//
// Every child process is stopped on the way out, on success, failure, Ctrl+C or SIGTERM; a
// worker also stops by itself when this process dies (its standard input closes).
using System.Runtime.InteropServices;
using HelloWeb.Launcher;

LauncherOptions options;
try
{
    options = LauncherOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(LauncherOptions.Usage);
    return 2;
}

using var stop = new CancellationTokenSource();
void RequestStop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}

using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, RequestStop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, RequestStop);

try
{
    return options.Mode switch
    {
        "demo" => await DemoMode.RunAsync(options, stop.Token),
        "serve" => await ServeMode.RunAsync(options, stop.Token),
        _ => await BenchMode.RunAsync(options, stop.Token),
    };
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine($"{options.Mode}: stopped");
    return 130;
}
catch (Exception e) when (e is TimeoutException or InvalidOperationException or FileNotFoundException or IOException or HttpRequestException or CyberDb.CyberDbException)
{
    Console.Error.WriteLine($"{options.Mode}: FAILED: {e.Message}");
    return 1;
}
