using SensorOdl.Daemon.Cli;

return await CommandLine.RunAsync(args);
