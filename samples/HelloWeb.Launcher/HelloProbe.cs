using System.Globalization;

namespace HelloWeb.Launcher;

/// <summary>One answer of GET /: status, body and the worker that served it.</summary>
internal sealed record HelloAnswer(int Status, string Body, int? WorkerPid)
{
    public bool IsCorrect => Status == 200 && Body == HelloProbe.ExpectedBody && WorkerPid is not null;
}

/// <summary>Requests to the workers, each on a fresh connection so SO_REUSEPORT can pick another worker.</summary>
internal static class HelloProbe
{
    /// <summary>What the seed's app answers, byte for byte.</summary>
    public const string ExpectedBody = """{"code":1,"content":"Hello CyberDB!"}""";

    public const string PidHeader = "X-Worker-Pid";

    public static async Task<HelloAnswer> GetAsync(HttpClient http, string url, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.ConnectionClose = true;
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        int? pid = response.Headers.TryGetValues(PidHeader, out var values)
            && int.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : null;
        return new HelloAnswer((int)response.StatusCode, body, pid);
    }

    /// <summary>Polls until a correct answer comes back; throws <see cref="TimeoutException"/> with the last answer or error after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAnsweringAsync(HttpClient http, string url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var last = "no answer";
        try
        {
            while (true)
            {
                try
                {
                    var answer = await GetAsync(http, url, deadline.Token);
                    if (answer.IsCorrect)
                    {
                        return;
                    }

                    last = $"HTTP {answer.Status}: {answer.Body}";
                }
                catch (HttpRequestException e)
                {
                    last = e.Message;
                }

                await Task.Delay(100, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{url} gave no correct answer within {timeout.TotalSeconds:F0} s; last: {last}");
        }
    }

    public static HttpClient CreateClient() => new() { Timeout = TimeSpan.FromSeconds(10) };
}
