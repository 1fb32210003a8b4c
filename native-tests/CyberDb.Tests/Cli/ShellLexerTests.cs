using CyberDb.Cli.Shell;

namespace CyberDb.Tests.Cli;

public class ShellLexerTests
{
    [Fact]
    public void SplitStatements_SemicolonsAndNewLinesOutsideStrings_Split()
    {
        var statements = ShellLexer.SplitStatements("set t k \"a;b\"; get t k\n\n# comment\nappend l [\"x;y\", 1];len l");

        Assert.Equal(["set t k \"a;b\"", "get t k", "append l [\"x;y\", 1]", "len l"], statements);
    }

    [Fact]
    public void Terms_JsonStringsAndBrackets_StayWhole()
    {
        var terms = ShellLexer.Terms("set  centre \"two words\" {\"a\": [1, \"] }\"]} tail").Select(t => t.Text);

        Assert.Equal(["set", "centre", "\"two words\"", "{\"a\": [1, \"] }\"]}", "tail"], terms);
    }

    [Theory]
    [InlineData("42", 42L)]
    [InlineData("-7", -7L)]
    [InlineData("1.5", 1.5)]
    [InlineData("true", true)]
    [InlineData("\"42\"", "42")]
    [InlineData("hello", "hello")]
    [InlineData("{oops", "{oops")]
    public void ParseValue_JsonLiteralOrPlainText_HasTheExpectedType(string text, object expected)
    {
        Assert.Equal(expected, ShellValues.ParseValue(text));
    }

    [Fact]
    public void ParseValue_Null_IsNullAndNotTheString()
    {
        Assert.Null(ShellValues.ParseValue("null"));
        Assert.Equal("\"null\"", ShellValues.Format("null"));
        Assert.Equal("null", ShellValues.Format(null));
    }
}
