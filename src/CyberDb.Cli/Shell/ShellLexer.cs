namespace CyberDb.Cli.Shell;

/// <summary>
/// Splits shell input into statements and statements into terms. A term is a bare word, a JSON
/// string ("with spaces"), or a JSON array or object ([1, 2], {"a": 1}) taken whole with its
/// brackets; so a value needs no extra quoting beyond JSON's own.
/// </summary>
internal static class ShellLexer
{
    /// <summary>One term and where it sits in its statement.</summary>
    internal readonly record struct Term(string Text, int Start, int End);

    /// <summary>Splits a script at ';' and line breaks outside double-quoted strings; blank statements and # comments are dropped.</summary>
    public static List<string> SplitStatements(string script)
    {
        var statements = new List<string>();
        var start = 0;
        var inString = false;
        for (var i = 0; i < script.Length; i++)
        {
            var c = script[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }
                else if (c == '\n')
                {
                    inString = false; // an unterminated string ends with its line
                    Add(script[start..i]);
                    start = i + 1;
                }

                continue;
            }

            if (c == '"')
            {
                inString = true;
            }
            else if (c is ';' or '\n')
            {
                Add(script[start..i]);
                start = i + 1;
            }
        }

        Add(script[start..]);
        return statements;

        void Add(string statement)
        {
            statement = statement.Trim();
            if (statement.Length > 0 && !statement.StartsWith('#'))
            {
                statements.Add(statement);
            }
        }
    }

    /// <summary>The terms of one statement.</summary>
    public static List<Term> Terms(string statement)
    {
        var terms = new List<Term>();
        var i = 0;
        while (true)
        {
            while (i < statement.Length && char.IsWhiteSpace(statement[i]))
            {
                i++;
            }

            if (i >= statement.Length)
            {
                return terms;
            }

            var start = i;
            i = statement[i] switch
            {
                '"' => EndOfString(statement, i),
                '[' or '{' => EndOfBrackets(statement, i),
                _ => EndOfWord(statement, i),
            };
            terms.Add(new Term(statement[start..i], start, i));
        }
    }

    private static int EndOfWord(string text, int i)
    {
        while (i < text.Length && !char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        return i;
    }

    private static int EndOfString(string text, int i)
    {
        for (i++; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == '"')
            {
                return i + 1;
            }
        }

        return text.Length;
    }

    private static int EndOfBrackets(string text, int i)
    {
        var depth = 0;
        for (; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '"':
                    i = EndOfString(text, i) - 1;
                    break;
                case '[' or '{':
                    depth++;
                    break;
                case ']' or '}':
                    if (--depth == 0)
                    {
                        return i + 1;
                    }

                    break;
            }
        }

        return text.Length;
    }
}
