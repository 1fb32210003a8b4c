namespace CyberDb.Tests.Infrastructure;

public class ChildProcessTests
{
    [Fact]
    public async Task Start_EchoMode_PrintsArgumentsAndExitsZero()
    {
        using var child = ChildProcess.Start("echo", "hello", "world");
        var line = await child.WaitForLineAsync("hello", TimeSpan.FromSeconds(20));
        Assert.Equal("hello world", line);
        Assert.Equal(0, await child.WaitForExitAsync(TimeSpan.FromSeconds(20)));
    }
}
