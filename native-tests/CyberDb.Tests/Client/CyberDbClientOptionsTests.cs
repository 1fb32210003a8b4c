namespace CyberDb.Tests.Client;

public sealed class CyberDbClientOptionsTests
{
    [Fact]
    public void New_Defaults_MatchApi()
    {
        var options = new CyberDbClientOptions();
        Assert.Equal("127.0.0.1", options.Host);
        Assert.Equal(9980, options.Port);
        Assert.Null(options.Password);
        Assert.False(options.Encrypt);
        Assert.Null(options.TimeOut);
        Assert.Equal(CyberTransport.Auto, options.Transport);
        Assert.Equal(TimeSpan.FromSeconds(30), options.OperationTimeout);
    }

    [Fact]
    public void Parse_AllKeywords_SetsEveryOption()
    {
        var options = CyberDbClientOptions.Parse("Host=10.0.0.5;Port=1234;Password=s3cret;Encrypt=true;TimeOut=900;Transport=SharedMemory;OperationTimeout=2.5");
        Assert.Equal("10.0.0.5", options.Host);
        Assert.Equal(1234, options.Port);
        Assert.Equal("s3cret", options.Password);
        Assert.True(options.Encrypt);
        Assert.Equal(TimeSpan.FromSeconds(900), options.TimeOut);
        Assert.Equal(CyberTransport.SharedMemory, options.Transport);
        Assert.Equal(TimeSpan.FromSeconds(2.5), options.OperationTimeout);
    }

    [Fact]
    public void Parse_KeywordsAndEnumValuesAnyCase_Accepted()
    {
        var options = CyberDbClientOptions.Parse("HOST=h;port=1;pAsSwOrD=p;ENCRYPT=TRUE;timeout=1;TRANSPORT=tcp;operationtimeout=3");
        Assert.Equal("h", options.Host);
        Assert.Equal(1, options.Port);
        Assert.Equal("p", options.Password);
        Assert.True(options.Encrypt);
        Assert.Equal(TimeSpan.FromSeconds(1), options.TimeOut);
        Assert.Equal(CyberTransport.Tcp, options.Transport);
        Assert.Equal(TimeSpan.FromSeconds(3), options.OperationTimeout);
    }

    [Fact]
    public void Parse_TimeSpanSyntax_Accepted()
    {
        var options = CyberDbClientOptions.Parse("TimeOut=00:15:00;OperationTimeout=00:00:05");
        Assert.Equal(TimeSpan.FromMinutes(15), options.TimeOut);
        Assert.Equal(TimeSpan.FromSeconds(5), options.OperationTimeout);
    }

    [Fact]
    public void Parse_SpacesAndEmptyParts_Ignored()
    {
        var options = CyberDbClientOptions.Parse(" Host = a ; ; Port = 2 ;");
        Assert.Equal("a", options.Host);
        Assert.Equal(2, options.Port);
    }

    [Fact]
    public void Parse_MissingKeywords_KeepDefaults()
    {
        var options = CyberDbClientOptions.Parse("Password=x");
        Assert.Equal("127.0.0.1", options.Host);
        Assert.Equal(9980, options.Port);
        Assert.Equal(CyberTransport.Auto, options.Transport);
        Assert.Equal(CyberDbClientOptions.Parse("").Port, options.Port);
    }

    [Fact]
    public void Parse_PasswordWithEqualsSign_KeepsTheRest()
    {
        Assert.Equal("a=b", CyberDbClientOptions.Parse("Password=a=b").Password);
    }

    [Theory]
    [InlineData("Server=x")]
    [InlineData("Host=a;MaxConnections=3")]
    [InlineData("Passwd=x")]
    public void Parse_UnknownKeyword_ThrowsArgumentExceptionNamingIt(string connectionString)
    {
        var e = Assert.Throws<ArgumentException>(() => CyberDbClientOptions.Parse(connectionString));
        var keyword = connectionString.Split(';')[^1].Split('=')[0];
        Assert.Contains(keyword, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Port=abc")]
    [InlineData("Port=99999999999")]
    [InlineData("Encrypt=maybe")]
    [InlineData("Transport=Carrier")]
    [InlineData("TimeOut=soon")]
    [InlineData("OperationTimeout=x")]
    [InlineData("Host")]
    [InlineData("=value")]
    public void Parse_BadPart_ThrowsArgumentException(string connectionString)
    {
        Assert.Throws<ArgumentException>(() => CyberDbClientOptions.Parse(connectionString));
    }

    [Fact]
    public void Parse_Null_ThrowsArgumentNull()
    {
        Assert.Throws<ArgumentNullException>(() => CyberDbClientOptions.Parse(null!));
    }
}
