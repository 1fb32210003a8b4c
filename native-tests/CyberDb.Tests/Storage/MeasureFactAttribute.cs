namespace CyberDb.Tests.Storage;

/// <summary>
/// A measurement that runs only when <c>CYBERDB_MEASURE=1</c> is set: it takes longer than a unit
/// test should, and its numbers are read by a person, not asserted.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class MeasureFactAttribute : FactAttribute
{
    public const string EnvironmentVariable = "CYBERDB_MEASURE";

    public MeasureFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) != "1")
        {
            Skip = $"a measurement: set {EnvironmentVariable}=1 to run it";
        }
    }
}
