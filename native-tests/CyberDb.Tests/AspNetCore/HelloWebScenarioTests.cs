using System.Diagnostics;
using System.Globalization;

namespace CyberDb.Tests.AspNetCore;

/// <summary>
/// The seed scenario end to end with real processes: the launcher (serve mode) runs a CyberDb
/// server and four HelloWeb workers sharing one port; real HTTP requests on fresh connections
/// must all get the seed's answer, from at least two worker processes; SIGTERM must leave no
/// process behind.
/// </summary>
public class HelloWebScenarioTests
{
    private const string ExpectedBody = """{"code":1,"content":"Hello CyberDB!"}""";

    [Fact]
    public async Task Serve_FourWorkers_AnswerTheSeedAndShareThePort()
    {
        var data = Path.Combine(Path.GetTempPath(), $"helloweb-{Guid.NewGuid():N}.cdb");
        using var launcher = LauncherProcess.Start("serve", "--port", "0", "--db-port", "0", "--workers", "4", "--data", data);
        var ready = await launcher.WaitForLineAsync("ready ", TimeSpan.FromSeconds(90));

        // "ready http://127.0.0.1:PORT/ workers=1,2,3,4"
        var parts = ready.Split(' ');
        var url = parts[1];
        var workerPids = parts[2]["workers=".Length..].Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToHashSet();
        Assert.Equal(4, workerPids.Count);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var answeredBy = new HashSet<int>();
        for (var i = 0; i < 20; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.ConnectionClose = true;
            using var response = await http.SendAsync(request);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(ExpectedBody, await response.Content.ReadAsStringAsync());
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var pid = int.Parse(response.Headers.GetValues("X-Worker-Pid").Single(), CultureInfo.InvariantCulture);
            Assert.Contains(pid, workerPids);
            answeredBy.Add(pid);
        }

        Assert.True(answeredBy.Count >= 2, $"all 20 answers came from worker {string.Join(",", answeredBy)}; SO_REUSEPORT should spread fresh connections");

        Assert.Equal(0, await launcher.TerminateAsync(TimeSpan.FromSeconds(30)));
        foreach (var pid in workerPids)
        {
            Assert.False(IsRunning(pid), $"worker {pid} outlived the launcher");
        }

        File.Delete(data);
    }

    [Fact]
    public async Task Serve_LauncherKilled_WorkersStopByThemselves()
    {
        var data = Path.Combine(Path.GetTempPath(), $"helloweb-{Guid.NewGuid():N}.cdb");
        using var launcher = LauncherProcess.Start("serve", "--port", "0", "--db-port", "0", "--workers", "2", "--data", data);
        var ready = await launcher.WaitForLineAsync("ready ", TimeSpan.FromSeconds(90));
        var workerPids = ready.Split(' ')[2]["workers=".Length..].Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList();

        launcher.Dispose(); // SIGKILL: no chance to stop the workers; their standard input closes

        var clock = Stopwatch.StartNew();
        while (workerPids.Any(IsRunning) && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
        }

        Assert.DoesNotContain(workerPids, IsRunning);
        File.Delete(data);
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
