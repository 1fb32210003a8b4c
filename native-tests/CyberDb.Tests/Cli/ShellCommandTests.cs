using CyberDb.Cli.Shell;
using CyberDb.Tests.Infrastructure;

namespace CyberDb.Tests.Cli;

public class ShellCommandTests : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly ServerFixture _fixture;

    public ShellCommandTests(ServerFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task Shell_OneShotSeedStatements_PrintsResultsAndExitsZero()
    {
        var centre = ServerFixture.UniqueName("centre");
        var jobs = ServerFixture.UniqueName("jobs");
        var result = await CliRunner.RunAgainstAsync(
            _fixture.Port,
            "shell",
            "-c",
            $"create dict {centre}; create list {jobs}\nset {centre} content \"Hello CyberDB!\"; get {centre} content; append {jobs} 42; append {jobs} 7; get {jobs} 0; get {jobs} -1; len {jobs}; tables");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["OK", "OK", "OK", "\"Hello CyberDB!\"", "OK", "OK", "42", "7", "2"], lines[..9]);
        Assert.Contains(lines, l => l.StartsWith(centre, StringComparison.Ordinal) && l.Contains("dict", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(jobs, StringComparison.Ordinal) && l.Contains("list", StringComparison.Ordinal) && l.EndsWith(" 2", StringComparison.Ordinal));
        Assert.Equal(string.Empty, result.Error);

        using var proxy = _fixture.Proxy();
        Assert.Equal("Hello CyberDB!", proxy.GetCyberDict(centre)["content"]);
        Assert.Equal(new object?[] { 42L, 7L }, proxy.GetCyberList(jobs).ToList());
    }

    [Fact]
    public async Task Shell_FailingStatement_PrintsErrorGoesOnAndExitsOne()
    {
        var name = ServerFixture.UniqueName("d");
        var result = await CliRunner.RunAgainstAsync(_fixture.Port, "shell", "-c", $"get nosuch-{name} x; create dict {name}; del {name} missing; get {name}; set {name} k v; get {name} k; bogus");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(["OK", "OK", "\"v\""], result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var errors = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(errors, e => e.StartsWith("error: ", StringComparison.Ordinal) && e.Contains("does not exist", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("\"missing\"", StringComparison.Ordinal));
        Assert.Contains(errors, e => e == "usage: get TABLE KEY | get TABLE INDEX | get TABLE START:END");
        Assert.Contains(errors, e => e.Contains("unknown command 'bogus'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Shell_Values_JsonLiteralsKeepTheirTypesElsePlainText()
    {
        var name = ServerFixture.UniqueName("types");
        var result = await CliRunner.RunAgainstAsync(
            _fixture.Port,
            "shell",
            "-c",
            $"create dict {name}; set {name} int 42; set {name} text \"42\"; set {name} float 1.5; set {name} flag true; set {name} none null; " +
            $"set {name} list [1, \"a\", [2]]; set {name} map {{\"a\": 1}}; set {name} plain hello world; set {name} 7 seven; set {name} \"7\" string-seven; " +
            $"set {name} bytes {{\"$bytes\":\"AQI=\"}}; get {name} int; get {name} text; get {name} 7; get {name} \"7\"; items {name}");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var proxy = _fixture.Proxy();
        var dict = proxy.GetCyberDict(name);
        Assert.Equal(42L, dict["int"]);
        Assert.Equal("42", dict["text"]);
        Assert.Equal(1.5, dict["float"]);
        Assert.Equal(true, dict["flag"]);
        Assert.Null(dict["none"]);
        Assert.Equal(new List<object?> { 1L, "a", new List<object?> { 2L } }, dict["list"]);
        Assert.Equal(new Dictionary<object, object?> { ["a"] = 1L }, dict["map"]);
        Assert.Equal("hello world", dict["plain"]);
        Assert.Equal("seven", dict[7]);
        Assert.Equal("string-seven", dict["7"]);
        Assert.Equal(new byte[] { 1, 2 }, dict["bytes"]);
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["42", "\"42\"", "\"seven\"", "\"string-seven\""], lines[12..16]);
        Assert.Contains("7: \"seven\"", lines);
        Assert.Contains("\"7\": \"string-seven\"", lines);
        Assert.Contains("\"bytes\": {\"$bytes\":\"AQI=\"}", lines);
    }

    [Fact]
    public async Task Shell_EveryDictOperation_AnswersLikeThePythonDict()
    {
        var name = ServerFixture.UniqueName("ops");
        var result = await CliRunner.RunAgainstAsync(
            _fixture.Port,
            "shell",
            "-c",
            $"create dict {name} {{\"a\": 1, \"b\": 2}}; update {name} [[3, \"three\"], [\"c\", 3]]; keys {name}; values {name}; len {name}; has {name} a; has {name} zz; " +
            $"incr {name} a 10; incr {name} n; setdefault {name} a 99; setdefault {name} s 5; add {name} a 0; add {name} t 0; cas {name} t 1 0; cas {name} t 2 0; " +
            $"pop {name} b; pop {name} nope \"fallback\"; popitem {name}; del {name} a; len {name}; clear {name}; len {name}; delete {name}; tables");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] expected =
        [
            "OK", "OK",
            "\"a\"", "\"b\"", "3", "\"c\"",
            "1", "2", "\"three\"", "3",
            "4", "true", "false",
            "11", "1", "11", "5", "false", "true", "true", "false",
            "2", "\"fallback\"", "\"t\": 1", "OK", "4", "OK", "0", "OK",
        ];
        Assert.Equal(expected, lines[..expected.Length]);
        Assert.DoesNotContain(lines, l => l.StartsWith(name, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Shell_EveryListOperation_AnswersLikeThePythonList()
    {
        var name = ServerFixture.UniqueName("list");
        var result = await CliRunner.RunAgainstAsync(
            _fixture.Port,
            "shell",
            "-c",
            $"create list {name} [3, 1]; append {name} 2; extend {name} [5, 4]; get {name} 0; get {name} -1; get {name} 1:3; get {name} -2:; slice {name} 0 2; " +
            $"insert {name} 0 9; insert {name} -1 8; index {name} 5; index {name} 77; count {name} 1; has {name} 2; sort {name}; values {name}; sort {name} desc; get {name} 0; " +
            $"reverse {name}; get {name} 0; set {name} -1 \"last\"; pop {name}; pop {name} 0; remove {name} 3; del {name} -1; items {name}; len {name}; clear {name}; len {name}");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] expected =
        [
            "OK", "OK", "OK", "3", "4", "[1,2]", "[5,4]", "[3,1]",
            "OK", "OK", "4", "-1", "1", "true", "OK",
            "1", "2", "3", "4", "5", "8", "9",
            "OK", "9", "OK", "1", "OK", "\"last\"", "1", "OK", "OK",
            "0: 2", "1: 4", "2: 5",
            "3", "OK", "0",
        ];
        Assert.Equal(expected, lines);
    }

    [Fact]
    public async Task Shell_StatementsOnStandardInput_RunInOrderAndExitCodeCountsFailures()
    {
        var name = ServerFixture.UniqueName("stdin");
        var input = $"create list {name}\nappend {name} 1; append {name} 2\n\n# a comment\nget {name} -1\nget {name} 5\nlen {name}\n";
        var result = await CliRunner.RunAsync(CliRunner.Environment(_fixture.Port), input, "shell");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(["OK", "OK", "OK", "2", "2"], result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("error: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shell_ChildProcessWithRedirectedInput_RunsScriptAndExitsZero()
    {
        var name = ServerFixture.UniqueName("child");
        using var child = CliProcess.Start(CliRunner.Environment(_fixture.Port), null, "shell");
        child.WriteInputAndClose($"create dict {name}\nset {name} content \"Hello CyberDB!\"\nget {name} content\nexit\nget {name} never-run\n");

        var exit = await child.WaitForExitAsync(Deadline);

        Assert.True(exit == 0, $"exit {exit}; stderr: {child.StandardError}");
        Assert.Equal("OK\nOK\n\"Hello CyberDB!\"", child.StandardOutput);
    }

    [Fact]
    public void Complete_Session_CommandsThenTableNamesThenKinds()
    {
        var name = ServerFixture.UniqueName("complete");
        using (var proxy = _fixture.Proxy())
        {
            proxy.CreateCyberDict(name);
        }

        using var session = new ShellSession(_fixture.Client, TextWriter.Null, TextWriter.Null);

        Assert.Equal(["set", "setdefault"], session.Complete("se").Candidates);
        var tables = session.Complete("get " + name[..12]);
        Assert.Equal(4, tables.WordStart);
        Assert.Contains(name, tables.Candidates);
        Assert.Equal(["dict", "list"], session.Complete("create ").Candidates);
        Assert.Empty(session.Complete("ping x").Candidates);
    }

    [Fact]
    public async Task Shell_WrongPassword_ExitsThreeWithTheReason()
    {
        var environment = CliRunner.Environment(_fixture.Port);
        environment["CYBERDB_PASSWORD"] = "wrong";
        var result = await CliRunner.RunAsync(environment, null, "shell", "-c", "tables");

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("cyberdb shell: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shell_NoPassword_ExitsTwoNamingTheVariable()
    {
        var result = await CliRunner.RunAsync(null, null, "shell", "--port", _fixture.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-c", "tables");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("CYBERDB_PASSWORD", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shell_FlagsOverEnvironment_PortFlagWins()
    {
        var environment = CliRunner.Environment(1); // nothing listens on port 1
        var result = await CliRunner.RunAsync(environment, null, "shell", "--port", _fixture.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-c", "ping");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("PONG", result.Out, StringComparison.Ordinal);
    }
}
