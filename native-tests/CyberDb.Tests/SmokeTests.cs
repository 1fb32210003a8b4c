namespace CyberDb.Tests;

public class SmokeTests
{
    [Fact]
    public void Build_Compiles_True() => Assert.True(typeof(Placeholder).Assembly.GetName().Name == "CyberDb");
}
