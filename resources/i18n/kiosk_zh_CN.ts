<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ErrorScreen</name>
    <message>
        <location filename="../../kiosk/ui/screens/goodbye.py" line="94"/>
        <source>Service interrupted</source>
        <translation>服务中断</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/goodbye.py" line="97"/>
        <source>Error code: %1</source>
        <translation>错误代码：%1</translation>
    </message>
</context>
<context>
    <name>GoodbyeScreen</name>
    <message>
        <location filename="../../kiosk/ui/screens/goodbye.py" line="70"/>
        <source>Thank you!</source>
        <translation>谢谢使用！</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/goodbye.py" line="71"/>
        <source>Please take your card, receipt and belongings.</source>
        <translation>请取走您的卡片、凭条和随身物品。</translation>
    </message>
</context>
<context>
    <name>HomeScreen</name>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="113"/>
        <source>Please touch the service you need</source>
        <translation>请点击您要办理的业务</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="115"/>
        <source>Self-service is not available at this kiosk yet. Please go to the service counter.</source>
        <translation>本机暂未开通自助服务，请到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="119"/>
        <source>Registration</source>
        <translation>挂号</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="119"/>
        <source>Book a doctor for today or the next 7 days</source>
        <translation>当日挂号，或预约未来 7 天</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="120"/>
        <source>Check-in</source>
        <translation>预约签到</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="120"/>
        <source>Booked already? Check in and get your number</source>
        <translation>已预约？签到并取号</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="121"/>
        <source>Pay bills</source>
        <translation>缴费</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="121"/>
        <source>Tests, medicine and treatment</source>
        <translation>检查、药品和治疗费用</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="122"/>
        <source>Print reports</source>
        <translation>报告打印</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="122"/>
        <source>Lab and imaging reports</source>
        <translation>检验、检查报告</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="131"/>
        <source>Large text</source>
        <translation>长辈模式</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="143"/>
        <source>ddd d MMM  HH:mm</source>
        <translation>M月d日 dddd  HH:mm</translation>
    </message>
</context>
<context>
    <name>IdleWarningOverlay</name>
    <message>
        <location filename="../../kiosk/ui/idle_overlay.py" line="69"/>
        <source>Are you still there?</source>
        <translation>您还在吗？</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/idle_overlay.py" line="70"/>
        <source>I need more time</source>
        <translation>我还需要时间</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/idle_overlay.py" line="71"/>
        <source>End now</source>
        <translation>结束操作</translation>
    </message>
    <message numerus="yes">
        <location filename="../../kiosk/ui/idle_overlay.py" line="76"/>
        <source>To protect your privacy, this session ends in %n second(s).</source>
        <translation>
            <numerusform>为保护您的隐私，本次操作将在 %n 秒后结束。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TimedScreenTexts</name>
    <message numerus="yes">
        <location filename="../../kiosk/ui/screens/goodbye.py" line="21"/>
        <source>Returning to the home screen in %n second(s)</source>
        <translation>
            <numerusform>%n 秒后返回首页</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/goodbye.py" line="24"/>
        <source>Back to home</source>
        <translation>返回首页</translation>
    </message>
</context>
<context>
    <name>errors</name>
    <message>
        <location filename="../../kiosk/errors.py" line="31"/>
        <source>Sorry, this kiosk cannot continue. Please go to the service counter.</source>
        <translation>抱歉，本机暂时无法继续服务，请到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/errors.py" line="44"/>
        <source>Sorry, something went wrong and your session was ended. If you have paid, the payment is recorded and will be settled or refunded. Please try again or go to the service counter.</source>
        <translation>抱歉，出现问题，本次操作已结束。如您已付款，款项已记录，将为您完成结算或退款。请重试或到人工服务窗口办理。</translation>
    </message>
</context>
</TS>
