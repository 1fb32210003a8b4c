using CyberDb.Cli;

return await CliApplication.RunAsync(args).ConfigureAwait(false);
