<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>AdminPanel</name>
    <message numerus="yes">
        <location filename="../../kiosk/ui/admin/panel.py" line="320"/>
        <source>%n min ago</source>
        <translation>
            <numerusform>%n min ago</numerusform>
            <numerusform>%n min ago</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../kiosk/ui/admin/panel.py" line="339"/>
        <source>%n attempt(s)</source>
        <translation>
            <numerusform>%n attempt</numerusform>
            <numerusform>%n attempts</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>IdleWarningOverlay</name>
    <message numerus="yes">
        <location filename="../../kiosk/ui/idle_overlay.py" line="76"/>
        <source>To protect your privacy, this session ends in %n second(s).</source>
        <translation>
            <numerusform>To protect your privacy, this session ends in %n second.</numerusform>
            <numerusform>To protect your privacy, this session ends in %n seconds.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PinPad</name>
    <message numerus="yes">
        <location filename="../../kiosk/ui/admin/login.py" line="180"/>
        <source>Wrong staff number or PIN. %n more tries before a lockout.</source>
        <translation>
            <numerusform>Wrong staff number or PIN. %n more try before a lockout.</numerusform>
            <numerusform>Wrong staff number or PIN. %n more tries before a lockout.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SearchScreen</name>
    <message numerus="yes">
        <location filename="../../kiosk/ui/screens/flow.py" line="694"/>
        <source>%n more: type another letter</source>
        <translation>
            <numerusform>%n more: type another letter</numerusform>
            <numerusform>%n more: type another letter</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TimedScreenTexts</name>
    <message numerus="yes">
        <location filename="../../kiosk/ui/screens/goodbye.py" line="21"/>
        <source>Returning to the home screen in %n second(s)</source>
        <translation>
            <numerusform>Returning to the home screen in %n second</numerusform>
            <numerusform>Returning to the home screen in %n seconds</numerusform>
        </translation>
    </message>
</context>
</TS>
