namespace CyberDb.Engine;

/// <summary>A named table. Touched only by the executor thread, so it needs no locks.</summary>
internal abstract class Table
{
    protected Table(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public abstract CyberTableKind Kind { get; }

    public abstract int Count { get; }
}
