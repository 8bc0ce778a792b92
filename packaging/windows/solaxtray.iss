; Inno Setup 6 script: a per-user setup.exe for the PyInstaller onedir (no administrator rights).
; Built by `python packaging/build.py windows`, which passes the /D defines below.
;
; The Start menu shortcut carries the same AppUserModelID the app sets at start
; (solaxtray/ui/app.py WINDOWS_APP_USER_MODEL_ID): without it Windows drops toast notifications.
; The "start at login" task writes the same HKCU Run value the app's own setting uses
; (solaxtray/core/autostart.py), so the checkbox in the app and this task agree.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\solaxtray"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif
#ifndef ResourcesDir
  #define ResourcesDir "..\..\resources"
#endif
#ifndef AppUserModelID
  #define AppUserModelID "io.github.solaxtray.SolaXTray"
#endif
#define AppName "SolaX Tray"
#define AppExe "solaxtray.exe"
#define RunValue "SolaX Tray"

[Setup]
; A fixed AppId keeps upgrades in place; never change it.
AppId={{6F1D7C52-3A7B-4B8E-9D55-2C0E5A9B7F31}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=solaxtray developers
AppPublisherURL=https://github.com/solaxtray/solaxtray
; Per user: installs under %LOCALAPPDATA%\Programs, no UAC prompt.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename=solaxtray-{#AppVersion}-windows-x64-setup
SetupIconFile={#ResourcesDir}\solaxtray.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Close a running copy before files are replaced or removed.
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "startatlogin"; Description: "Start {#AppName} when I sign in"; Flags: unchecked
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; AppUserModelID: "{#AppUserModelID}"; Comment: "SolaX inverter status in the system tray"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; AppUserModelID: "{#AppUserModelID}"; Tasks: desktopicon

[Registry]
Root: HKCU; Subkey: "Software\Microsoft\Windows\CurrentVersion\Run"; ValueType: string; ValueName: "{#RunValue}"; ValueData: """{app}\{#AppExe}"""; Flags: uninsdeletevalue; Tasks: startatlogin

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallRun]
Filename: "{sys}\taskkill.exe"; Parameters: "/IM {#AppExe} /F"; Flags: runhidden; RunOnceId: "StopApp"

[Code]
var
  RemoveUserData: Boolean;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  ResultCode: Integer;
begin
  if CurUninstallStep = usUninstall then
  begin
    RemoveUserData := False;
    if not UninstallSilent then
      RemoveUserData := MsgBox(
        'Also remove your {#AppName} settings, logs and the stored SolaX Cloud token?' + #13#10 + #13#10 +
        'Choose No to keep them for a later reinstall.',
        mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES;
    if RemoveUserData then
      { The token lives in Windows Credential Manager: the app's own command removes it. }
      Exec(ExpandConstant('{app}\solaxtray-cli.exe'), 'token clear', '', SW_HIDE,
           ewWaitUntilTerminated, ResultCode);
    { The Run value goes even when the app's own setting (not this setup) wrote it. }
    RegDeleteValue(HKEY_CURRENT_USER, 'Software\Microsoft\Windows\CurrentVersion\Run', '{#RunValue}');
  end;
  if (CurUninstallStep = usPostUninstall) and RemoveUserData then
  begin
    { platformdirs (appauthor=False): config and data in %LOCALAPPDATA%\solaxtray, logs below it. }
    DelTree(ExpandConstant('{localappdata}\solaxtray'), True, True, True);
    DelTree(ExpandConstant('{userappdata}\solaxtray'), True, True, True);
  end;
end;
