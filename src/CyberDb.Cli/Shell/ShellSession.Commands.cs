using System.Diagnostics;
using System.Globalization;
using CyberDb.Cli.Output;
using CyberDb.Client;
using CyberDb.Protocol;
using MessagePack;

namespace CyberDb.Cli.Shell;

/// <summary>The shell's commands: one per table operation, plus the catalog and session ones.</summary>
internal sealed partial class ShellSession
{
    private const string Ok = "OK";

    private void RegisterCommands()
    {
        // catalog
        Add("tables", "tables", "list the tables with their kind and size", Tables, takesTable: false);
        Add("create", "create dict|list NAME [CONTENT]", "create a table; CONTENT is a JSON object or [[key, value], ...] for a dict, a JSON array for a list", Create, takesTable: false);
        Add("delete", "delete NAME", "delete a table and everything in it (also: drop)", Delete);
        Alias("drop", "delete");
        Add("show", "show TABLE", "print a whole table (as items)", Items);

        // both kinds
        Add("get", "get TABLE KEY | get TABLE INDEX | get TABLE START:END", "a dict's value, a list's item (negative counts from the end) or a slice", Get);
        Add("set", "set TABLE KEY VALUE | set TABLE INDEX VALUE", "set a dict's key or a list's item; VALUE is the rest of the line", Set);
        Add("del", "del TABLE KEY | del TABLE INDEX", "remove a dict's key or a list's item", Del);
        Add("len", "len TABLE", "number of entries", Len);
        Add("clear", "clear TABLE", "remove every entry", Clear);
        Add("pop", "pop TABLE KEY [DEFAULT] | pop TABLE [INDEX]", "remove and print a dict's value, or a list's item (last by default)", Pop);
        Add("has", "has TABLE KEY | has TABLE VALUE", "whether a dict has the key, or a list contains the value", Has);
        Add("keys", "keys TABLE", "a dict's keys in insertion order (a list's indices)", Keys);
        Add("values", "values TABLE", "a dict's values in insertion order (a list's items)", Values);
        Add("items", "items TABLE", "key: value lines (index: item for a list)", Items);

        // CyberDict
        Add("popitem", "popitem TABLE", "remove and print the last inserted item of a dict", PopItem);
        Add("incr", "incr TABLE KEY [DELTA]", "add DELTA (default 1) to an integer value; a missing key counts as 0", Incr);
        Add("setdefault", "setdefault TABLE KEY VALUE", "the existing value, or set VALUE and print it (atomic)", SetDefault);
        Add("add", "add TABLE KEY VALUE", "set KEY only if it is missing; prints true or false", TryAdd);
        Add("cas", "cas TABLE KEY NEW EXPECTED", "set KEY to NEW only if it now holds EXPECTED (single terms); prints true or false", CompareAndSet);
        Add("update", "update TABLE {\"key\": value, ...} | update TABLE [[key, value], ...]", "set many keys at once", Update);

        // CyberList
        Add("append", "append TABLE VALUE", "append to a list; VALUE is the rest of the line", Append);
        Add("extend", "extend TABLE [VALUE, ...]", "append every item of a JSON array", Extend);
        Add("insert", "insert TABLE INDEX VALUE", "insert before INDEX (negative counts from the end)", Insert);
        Add("remove", "remove TABLE VALUE", "remove the first item equal to VALUE", Remove);
        Add("index", "index TABLE VALUE", "position of the first item equal to VALUE, or -1", IndexOf);
        Add("count", "count TABLE VALUE", "how many items equal VALUE", CountOf);
        Add("sort", "sort TABLE [desc]", "sort numbers or strings in place", Sort);
        Add("reverse", "reverse TABLE", "reverse in place", Reverse);
        Add("slice", "slice TABLE START [END]", "items START..END-1 as a Python slice (negative counts from the end)", Slice);

        // session
        Add("ping", "ping", "round trip to the server", Ping, takesTable: false);
        Add("info", "info", "server version, uptime, connections, tables, memory", Info, takesTable: false);
        Add("help", "help [COMMAND]", "this list, or one command's usage", Help, takesTable: false);
        Add("exit", "exit", "leave the shell (also: quit, Ctrl+D)", _ => ExitRequested = true, takesTable: false);
        Alias("quit", "exit");
    }

    private void Add(string name, string usage, string summary, Action<ShellArgs> run, bool takesTable = true)
    {
        var spec = new ShellCommandSpec(name, usage, summary, run, takesTable);
        _commands.Add(name, spec);
        _ordered.Add(spec);
    }

    private void Alias(string alias, string name) => _commands.Add(alias, _commands[name]);

    // --- helpers ---------------------------------------------------------------------------

    /// <summary>The table's kind in one small round trip; <see cref="CyberDbException"/> when there is no such table.</summary>
    private CyberTableKind Kind(string table)
    {
        CyberProxy.ValidateName(table);
        var connection = _proxy.Connection;
        var writer = connection.BeginRequest(OpCode.GetTableKind, table);
        writer.Flush();
        var reader = new MessagePackReader(connection.Execute());
        return CyberTableKindCodes.FromWire(reader.ReadInt64());
    }

    private CyberDict Dict(string table) => Kind(table) == CyberTableKind.CyberDict
        ? new CyberDict(_proxy, table)
        : throw new CyberDbException($"table '{table}' is a list, not a dict");

    private CyberList List(string table) => Kind(table) == CyberTableKind.CyberList
        ? new CyberList(_proxy, table)
        : throw new CyberDbException($"table '{table}' is a dict, not a list");

    private void Print(object? value) => _out.WriteLine(ShellValues.Format(value));

    private void PrintLines<T>(IReadOnlyCollection<T> items, Func<T, string> format)
    {
        if (items.Count == 0)
        {
            _out.WriteLine("(empty)");
            return;
        }

        foreach (var item in items)
        {
            _out.WriteLine(format(item));
        }
    }

    /// <summary>A list index that may count from the end (-1 is the last), as an <see cref="Index"/>.</summary>
    private static Index FromPythonIndex(long value) => value < 0 ? Index.FromEnd((int)Math.Min(-value, int.MaxValue)) : Index.FromStart((int)Math.Min(value, int.MaxValue));

    /// <summary>Python's list index for insert/pop/del: negative counts from the end, resolved against the current length.</summary>
    private static int Resolve(CyberList list, long index) => index < 0 ? (int)Math.Max(0, list.Count + index) : (int)Math.Min(index, int.MaxValue);

    private static bool TryParseSlice(string text, out Range range)
    {
        range = default;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || text.StartsWith('"'))
        {
            return false;
        }

        if (!TryBound(text[..colon], Index.Start, out var start) || !TryBound(text[(colon + 1)..], Index.End, out var end))
        {
            return false;
        }

        range = new Range(start, end);
        return true;

        static bool TryBound(string part, Index missing, out Index bound)
        {
            bound = missing;
            if (part.Length == 0)
            {
                return true;
            }

            if (!long.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            bound = FromPythonIndex(value);
            return true;
        }
    }

    // --- catalog ---------------------------------------------------------------------------

    private void Tables(ShellArgs args)
    {
        args.AtMost(1);
        var tables = _proxy.GetInfo().Tables;
        if (tables.Count == 0)
        {
            _out.WriteLine("(no tables)");
            return;
        }

        var rows = tables.Select(t => new[] { t.Name, DumpKind(t.Kind), t.Count.ToString("N0", CultureInfo.InvariantCulture) });
        TextTable.Write(_out, ["name", "kind", "size"], rows, rightAligned: [2]);
    }

    private static string DumpKind(CyberTableKind kind) => Json.DumpFormat.KindName(kind);

    private void Create(ShellArgs args)
    {
        var kind = args.Word(1, "kind (dict or list)").ToLowerInvariant();
        var name = args.Table(2);
        var content = args.Has(3) ? args.Rest(3) : null;
        switch (kind)
        {
            case "dict":
                _proxy.CreateCyberDict(name, content is null ? null : ToPairs(content));
                break;
            case "list":
                _proxy.CreateCyberList(name, content is null ? null : ToItems(content));
                break;
            default:
                throw new ShellUsageException($"the kind is dict or list, not '{kind}'");
        }

        _out.WriteLine(Ok);
    }

    private void Delete(ShellArgs args)
    {
        args.AtMost(2);
        _proxy.DeleteTable(args.Table());
        _out.WriteLine(Ok);
    }

    /// <summary>Dict content: a JSON object, or an array of [key, value] pairs (for integer keys).</summary>
    private static List<KeyValuePair<object, object?>> ToPairs(object? content) => content switch
    {
        Dictionary<object, object?> map => [.. map],
        List<object?> pairs => [.. pairs.Select(p => p is List<object?> { Count: 2 } pair && pair[0] is long or string
            ? new KeyValuePair<object, object?>(pair[0]!, pair[1])
            : throw new ShellUsageException("each item of a pair list is [key, value] with an integer or string key"))],
        _ => throw new ShellUsageException("dict content is a JSON object or a list of [key, value] pairs"),
    };

    private static List<object?> ToItems(object? content) =>
        content as List<object?> ?? throw new ShellUsageException("list content is a JSON array");

    // --- both kinds ------------------------------------------------------------------------

    private void Get(ShellArgs args)
    {
        args.AtMost(3);
        var table = args.Table();
        var position = args.Word(2, "key or index");
        if (Kind(table) == CyberTableKind.CyberDict)
        {
            Print(new CyberDict(_proxy, table)[args.Key(2)]);
            return;
        }

        var list = new CyberList(_proxy, table);
        if (TryParseSlice(position, out var range))
        {
            Print(list[range]);
            return;
        }

        Print(list[FromPythonIndex(args.Long(2, "index"))]);
    }

    private void Set(ShellArgs args)
    {
        var table = args.Table();
        args.Word(2, "key or index");
        var value = args.Rest(3);
        if (Kind(table) == CyberTableKind.CyberDict)
        {
            new CyberDict(_proxy, table)[args.Key(2)] = value;
        }
        else
        {
            new CyberList(_proxy, table)[FromPythonIndex(args.Long(2, "index"))] = value;
        }

        _out.WriteLine(Ok);
    }

    private void Del(ShellArgs args)
    {
        args.AtMost(3);
        var table = args.Table();
        args.Word(2, "key or index");
        if (Kind(table) == CyberTableKind.CyberDict)
        {
            var key = args.Key(2);
            if (!new CyberDict(_proxy, table).Remove(key))
            {
                throw new KeyNotFoundException($"key {ShellValues.FormatKey(key)} is not in '{table}'");
            }
        }
        else
        {
            var list = new CyberList(_proxy, table);
            list.RemoveAt(Resolve(list, args.Long(2, "index")));
        }

        _out.WriteLine(Ok);
    }

    private void Len(ShellArgs args)
    {
        args.AtMost(2);
        var table = args.Table();
        var count = Kind(table) == CyberTableKind.CyberDict ? new CyberDict(_proxy, table).Count : new CyberList(_proxy, table).Count;
        _out.WriteLine(count.ToString(CultureInfo.InvariantCulture));
    }

    private void Clear(ShellArgs args)
    {
        args.AtMost(2);
        var table = args.Table();
        if (Kind(table) == CyberTableKind.CyberDict)
        {
            new CyberDict(_proxy, table).Clear();
        }
        else
        {
            new CyberList(_proxy, table).Clear();
        }

        _out.WriteLine(Ok);
    }

    private void Pop(ShellArgs args)
    {
        var table = args.Table();
        if (Kind(table) == CyberTableKind.CyberDict)
        {
            var dict = new CyberDict(_proxy, table);
            var key = args.Key(2);
            Print(args.Has(3) ? dict.Pop(key, args.Rest(3)) : dict.Pop(key));
            return;
        }

        args.AtMost(3);
        var list = new CyberList(_proxy, table);
        Print(args.Has(2) ? list.Pop(Resolve(list, args.Long(2, "index"))) : list.Pop());
    }

    private void Has(ShellArgs args)
    {
        var table = args.Table();
        var found = Kind(table) == CyberTableKind.CyberDict
            ? new CyberDict(_proxy, table).ContainsKey(args.Key(2))
            : new CyberList(_proxy, table).Contains(args.Rest(2));
        Print(found);
    }

    private void Keys(ShellArgs args)
    {
        args.AtMost(2);
        var table = args.Table();
        if (Kind(table) == CyberTableKind.CyberDict)
        {
            PrintLines(new CyberDict(_proxy, table).Keys, ShellValues.FormatKey);
        }
        else
        {
            PrintLines(Enumerable.Range(0, new CyberList(_proxy, table).Count).ToList(), i => i.ToString(CultureInfo.InvariantCulture));
        }
    }

    private void Values(ShellArgs args)
    {
        args.AtMost(2);
        var table = args.Table();
        IReadOnlyCollection<object?> values = Kind(table) == CyberTableKind.CyberDict ? new CyberDict(_proxy, table).Values : new CyberList(_proxy, table).ToList();
        PrintLines(values, ShellValues.Format);
    }

    private void Items(ShellArgs args)
    {
        args.AtMost(2);
        var table = args.Table();
        if (Kind(table) == CyberTableKind.CyberDict)
        {
            PrintLines(new CyberDict(_proxy, table).ToList(), p => $"{ShellValues.FormatKey(p.Key)}: {ShellValues.Format(p.Value)}");
        }
        else
        {
            var items = new CyberList(_proxy, table).ToList();
            PrintLines(Enumerable.Range(0, items.Count).ToList(), i => $"{i.ToString(CultureInfo.InvariantCulture)}: {ShellValues.Format(items[i])}");
        }
    }

    // --- CyberDict -------------------------------------------------------------------------

    private void PopItem(ShellArgs args)
    {
        args.AtMost(2);
        var (key, value) = Dict(args.Table()).PopItem();
        _out.WriteLine($"{ShellValues.FormatKey(key)}: {ShellValues.Format(value)}");
    }

    private void Incr(ShellArgs args)
    {
        args.AtMost(4);
        var dict = Dict(args.Table());
        var key = args.Key(2);
        var delta = args.Has(3) ? args.Long(3, "delta") : 1;
        _out.WriteLine(dict.Increment(key, delta).ToString(CultureInfo.InvariantCulture));
    }

    private void SetDefault(ShellArgs args)
    {
        var dict = Dict(args.Table());
        Print(dict.GetOrAdd(args.Key(2), args.Rest(3)));
    }

    private void TryAdd(ShellArgs args)
    {
        var dict = Dict(args.Table());
        Print(dict.TryAdd(args.Key(2), args.Rest(3)));
    }

    private void CompareAndSet(ShellArgs args)
    {
        args.AtMost(5);
        var dict = Dict(args.Table());
        Print(dict.TryUpdate(args.Key(2), args.Value(3), args.Value(4)));
    }

    private void Update(ShellArgs args)
    {
        var dict = Dict(args.Table());
        dict.Update(ToPairs(args.Rest(2)));
        _out.WriteLine(Ok);
    }

    // --- CyberList -------------------------------------------------------------------------

    private void Append(ShellArgs args)
    {
        var list = List(args.Table());
        list.Add(args.Rest(2));
        _out.WriteLine(Ok);
    }

    private void Extend(ShellArgs args)
    {
        var list = List(args.Table());
        list.AddRange(ToItems(args.Rest(2)));
        _out.WriteLine(Ok);
    }

    private void Insert(ShellArgs args)
    {
        var list = List(args.Table());
        var index = args.Long(2, "index");
        var value = args.Rest(3);
        list.Insert(Resolve(list, index), value);
        _out.WriteLine(Ok);
    }

    private void Remove(ShellArgs args)
    {
        var table = args.Table();
        var value = args.Rest(2);
        if (!List(table).Remove(value))
        {
            throw new KeyNotFoundException($"{ShellValues.Format(value)} is not in '{table}'");
        }

        _out.WriteLine(Ok);
    }

    private void IndexOf(ShellArgs args)
    {
        var list = List(args.Table());
        _out.WriteLine(list.IndexOf(args.Rest(2)).ToString(CultureInfo.InvariantCulture));
    }

    private void CountOf(ShellArgs args)
    {
        var list = List(args.Table());
        _out.WriteLine(list.CountOf(args.Rest(2)).ToString(CultureInfo.InvariantCulture));
    }

    private void Sort(ShellArgs args)
    {
        args.AtMost(3);
        var list = List(args.Table());
        var order = args.Has(2) ? args.Word(2, "order").ToLowerInvariant() : "asc";
        var reverse = order switch
        {
            "asc" => false,
            "desc" or "reverse" => true,
            _ => throw new ShellUsageException($"the order is asc or desc, not '{order}'"),
        };
        list.Sort(reverse);
        _out.WriteLine(Ok);
    }

    private void Reverse(ShellArgs args)
    {
        args.AtMost(2);
        List(args.Table()).Reverse();
        _out.WriteLine(Ok);
    }

    private void Slice(ShellArgs args)
    {
        args.AtMost(4);
        var list = List(args.Table());
        var start = FromPythonIndex(args.Long(2, "start"));
        var end = args.Has(3) ? FromPythonIndex(args.Long(3, "end")) : Index.End;
        Print(list[new Range(start, end)]);
    }

    // --- session ---------------------------------------------------------------------------

    private void Ping(ShellArgs args)
    {
        args.AtMost(1);
        var started = Stopwatch.GetTimestamp();
        _proxy.Ping();
        var elapsed = Stopwatch.GetElapsedTime(started);
        _out.WriteLine($"PONG ({elapsed.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)} ms)");
    }

    private void Info(ShellArgs args)
    {
        args.AtMost(1);
        InfoReport.Write(_out, _proxy.GetInfo(), operationsPerSecond: null);
    }

    private void Help(ShellArgs args)
    {
        args.AtMost(2);
        if (args.Has(1))
        {
            var name = args.Word(1, "command");
            if (!_commands.TryGetValue(name, out var command))
            {
                throw new ShellUsageException($"unknown command '{name}'");
            }

            _out.WriteLine($"usage: {command.Usage}");
            _out.WriteLine($"  {command.Summary}");
            return;
        }

        _out.WriteLine("Commands (values are JSON literals when valid, else plain text; keys are integers or strings):");
        const int UsageWidth = 40;
        foreach (var command in _ordered)
        {
            if (command.Usage.Length > UsageWidth)
            {
                _out.WriteLine($"  {command.Usage}");
                _out.WriteLine($"  {new string(' ', UsageWidth)}  {command.Summary}");
            }
            else
            {
                _out.WriteLine($"  {command.Usage.PadRight(UsageWidth)}  {command.Summary}");
            }
        }

        _out.WriteLine("Separate statements with ';' or new lines. Tab completes commands and table names.");
    }
}
