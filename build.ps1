<#
.SYNOPSIS
    Builds, tests, demonstrates and benchmarks CyberDb.
.DESCRIPTION
    Targets:
      restore  restore tools and packages
      build    build the solution (Release)
      test     build and run every native test; prints "tests: N passed, N failed, N skipped"
      demo     run the seed scenario (server + Kestrel workers) and print what they answer
      serve    run a CyberDb server from source with the Quickstart's defaults
      bench    run the cross-process benchmark against Redis and Garnet (--quick: under 2 minutes)
      pack     pack the NuGet packages into ./artifacts
.EXAMPLE
    dotnet pwsh ./build.ps1 test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('restore', 'build', 'test', 'demo', 'serve', 'bench', 'pack', 'help')]
    [string] $Target = 'help',

    [string] $Configuration = 'Release',

    # Passed on to the target's program (e.g. bench --quick, test --filter).
    [Parameter(ValueFromRemainingArguments = $true)]
    [string[]] $Rest = @()
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

function Invoke-Checked([string] $what, [scriptblock] $command) {
    & $command
    if ($LASTEXITCODE -ne 0) { throw "$what failed with exit code $LASTEXITCODE" }
}

function Invoke-Restore {
    Invoke-Checked 'dotnet tool restore' { dotnet tool restore }
    Invoke-Checked 'dotnet restore' { dotnet restore (Join-Path $root 'CyberDb.sln') }
}

function Invoke-Build {
    Invoke-Checked 'dotnet build' { dotnet build (Join-Path $root 'CyberDb.sln') -c $Configuration --nologo }
}

function Invoke-Test {
    Invoke-Build
    $results = Join-Path $root 'artifacts/test-results'
    if (Test-Path $results) { Remove-Item -Recurse -Force $results }
    $filter = @()
    if ($Rest.Count -gt 0) { $filter = $Rest }
    # --blame-hang-timeout: a stuck test is a failure with a dump of where it hung, never a stuck CI.
    dotnet test (Join-Path $root 'CyberDb.sln') -c $Configuration --no-build --nologo `
        --logger 'trx' --results-directory $results --blame-hang-timeout 120s @filter
    $testExit = $LASTEXITCODE
    $passed = 0; $failed = 0; $skipped = 0
    foreach ($trx in Get-ChildItem -Path $results -Filter '*.trx' -Recurse -ErrorAction SilentlyContinue) {
        [xml] $doc = Get-Content $trx.FullName
        $counters = $doc.TestRun.ResultSummary.Counters
        $passed += [int] $counters.passed
        $failed += [int] $counters.failed + [int] $counters.error + [int] $counters.timeout + [int] $counters.aborted
        $skipped += [int] $counters.notExecuted
    }
    if ($testExit -ne 0 -and $failed -eq 0) { $failed = 1 }
    Write-Host ''
    Write-Host "tests: $passed passed, $failed failed, $skipped skipped"
    if ($testExit -ne 0) { throw "dotnet test failed with exit code $testExit" }
    if ($passed -eq 0) { throw 'no test ran' }
}

function Invoke-Project([string] $project, [string[]] $arguments) {
    $path = Join-Path $root $project
    if (-not (Test-Path $path)) {
        Write-Error "target '$Target' needs $project, which has not landed yet"
        exit 2
    }
    Invoke-Checked "dotnet run $project" { dotnet run --project $path -c $Configuration -- @arguments }
}

switch ($Target) {
    'restore' { Invoke-Restore }
    'build' { Invoke-Build }
    'test' { Invoke-Test }
    'demo' { Invoke-Project 'samples/HelloWeb.Launcher' (@('demo') + $Rest) }
    'serve' { Invoke-Project 'src/CyberDb.Cli' (@('serve', '--load', 'data.cdb', '--backup', 'data.cdb', '--cycle', '300', '--password', '123456') + $Rest) }
    'bench' { if ($IsLinux) { & bash (Join-Path $root 'scripts/install-peers.sh') }; Invoke-Project 'src/CyberDb.Bench' $Rest }
    'pack' { Invoke-Checked 'dotnet pack' { dotnet pack (Join-Path $root 'CyberDb.sln') -c $Configuration -o (Join-Path $root 'artifacts/packages') } }
    default { Get-Help $PSCommandPath -Detailed }
}
