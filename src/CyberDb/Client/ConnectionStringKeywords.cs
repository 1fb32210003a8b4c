namespace CyberDb.Client;

/// <summary>The keywords of a CyberDb connection string, in one place. Matching is case-insensitive; an unknown keyword is an error.</summary>
internal static class ConnectionStringKeywords
{
    public const string Host = "Host";
    public const string Port = "Port";
    public const string Password = "Password";
    public const string Encrypt = "Encrypt";
    public const string TimeOut = "TimeOut";
    public const string Transport = "Transport";
    public const string OperationTimeout = "OperationTimeout";
    public const string ReadCache = "ReadCache";

    public static readonly IReadOnlyList<string> All = [Host, Port, Password, Encrypt, TimeOut, Transport, OperationTimeout, ReadCache];
}
