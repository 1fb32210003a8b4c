using System.Globalization;

namespace CyberDb.Cli.Shell;

/// <summary>The terms of one statement, with readers that turn them into names, keys, values and indices.</summary>
internal sealed class ShellArgs
{
    private readonly string _statement;
    private readonly List<ShellLexer.Term> _terms;

    public ShellArgs(string statement)
    {
        _statement = statement;
        _terms = ShellLexer.Terms(statement);
    }

    /// <summary>Terms including the command word.</summary>
    public int Count => _terms.Count;

    public string Command => _terms.Count > 0 ? _terms[0].Text.ToLowerInvariant() : string.Empty;

    public bool Has(int index) => index < _terms.Count;

    public string Word(int index, string what) =>
        index < _terms.Count ? _terms[index].Text : throw new ShellUsageException($"missing {what}");

    /// <summary>A table name: a bare word, or a JSON string for names with spaces.</summary>
    public string Table(int index = 1)
    {
        var text = Word(index, "table name");
        return text.StartsWith('"') && ShellValues.ParseValue(text) is string name ? name : text;
    }

    public object Key(int index) => ShellValues.ParseKey(Word(index, "key"));

    /// <summary>One term as a value.</summary>
    public object? Value(int index) => ShellValues.ParseValue(Word(index, "value"));

    /// <summary>Everything from term <paramref name="index"/> to the end of the statement, as one value.</summary>
    public object? Rest(int index)
    {
        if (index >= _terms.Count)
        {
            throw new ShellUsageException("missing value");
        }

        return ShellValues.ParseValue(_statement[_terms[index].Start..].Trim());
    }

    public long Long(int index, string what)
    {
        var text = Word(index, what);
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ShellUsageException($"{what} must be an integer, not '{text}'");
    }

    public int Int(int index, string what)
    {
        var value = Long(index, what);
        return value is >= int.MinValue and <= int.MaxValue ? (int)value : throw new ShellUsageException($"{what} {value} is out of range");
    }

    /// <summary>Refuses terms past <paramref name="count"/> (command word included).</summary>
    public void AtMost(int count)
    {
        if (_terms.Count > count)
        {
            throw new ShellUsageException($"unexpected '{_terms[count].Text}'");
        }
    }
}
