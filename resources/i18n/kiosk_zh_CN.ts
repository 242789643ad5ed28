<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>DemoPanelWindow</name>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="109"/>
        <source>Demo devices</source>
        <translation>演示设备</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="110"/>
        <source>Act as the patient</source>
        <translation>模拟患者操作</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="111"/>
        <source>Device status</source>
        <translation>设备状态</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="114"/>
        <source>Insert ID card %1</source>
        <translation>放入身份证 %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="115"/>
        <source>Remove ID card</source>
        <translation>取走身份证</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="116"/>
        <source>Swipe visit card</source>
        <translation>刷就诊卡</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="117"/>
        <source>Scan health code</source>
        <translation>扫健康码</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="118"/>
        <source>Scan payment code</source>
        <translation>扫付款码</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="119"/>
        <source>Scan insurance e-voucher</source>
        <translation>扫医保电子凭证</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="120"/>
        <source>Scan report slip</source>
        <translation>扫报告取单条码</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="121"/>
        <source>Put paper back</source>
        <translation>装回打印纸</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="121"/>
        <source>Take the paper out</source>
        <translation>取出打印纸（缺纸）</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="122"/>
        <source>Card terminal answers:</source>
        <translation>银行卡终端应答：</translation>
    </message>
</context>
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
        <location filename="../../kiosk/ui/screens/home.py" line="119"/>
        <source>Please touch the service you need</source>
        <translation>请点击您要办理的业务</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="121"/>
        <source>Self-service is not available at this kiosk yet. Please go to the service counter.</source>
        <translation>本机暂未开通自助服务，请到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="125"/>
        <source>Registration</source>
        <translation>挂号</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="125"/>
        <source>Book a doctor for today or the next 7 days</source>
        <translation>当日挂号，或预约未来 7 天</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="126"/>
        <source>Check-in</source>
        <translation>预约签到</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="126"/>
        <source>Booked already? Check in and get your number</source>
        <translation>已预约？签到并取号</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="127"/>
        <source>Pay bills</source>
        <translation>缴费</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="127"/>
        <source>Tests, medicine and treatment</source>
        <translation>检查、药品和治疗费用</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="128"/>
        <source>Print reports</source>
        <translation>报告打印</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="128"/>
        <source>Lab and imaging reports</source>
        <translation>检验、检查报告</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="137"/>
        <source>Large text</source>
        <translation>长辈模式</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="149"/>
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
        <location filename="../../kiosk/errors.py" line="26"/>
        <source>Sorry, this kiosk cannot continue. Please go to the service counter.</source>
        <translation>抱歉，本机暂时无法继续服务，请到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/errors.py" line="39"/>
        <source>Sorry, something went wrong and your session was ended. If you have paid, the payment is recorded and will be settled or refunded. Please try again or go to the service counter.</source>
        <translation>抱歉，出现问题，本次操作已结束。如您已付款，款项已记录，将为您完成结算或退款。请重试或到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/devices/errors.py" line="16"/>
        <source>Sorry, a device in this kiosk is not working. Please go to the service counter.</source>
        <translation>抱歉，本机设备暂时无法使用，请到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/devices/errors.py" line="43"/>
        <source>Sorry, that took too long. Please try again.</source>
        <translation>抱歉，操作超时，请重试。</translation>
    </message>
    <message>
        <location filename="../../kiosk/devices/errors.py" line="48"/>
        <source>The device is busy. Please wait a moment and try again.</source>
        <translation>设备正忙，请稍候再试。</translation>
    </message>
    <message>
        <location filename="../../kiosk/devices/errors.py" line="77"/>
        <source>Sorry, the receipt printer is not ready. Nothing has been charged. Please go to the service counter.</source>
        <translation>抱歉，凭条打印机未就绪，本次未扣费。请到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/devices/errors.py" line="86"/>
        <source>Sorry, your receipt could not be printed. It has been saved; the service counter can print it.</source>
        <translation>抱歉，凭条未能打印，已为您保存，可到人工服务窗口补打。</translation>
    </message>
    <message>
        <location filename="../../kiosk/devices/errors.py" line="93"/>
        <source>Sorry, your report could not be printed. Please collect it at the service counter.</source>
        <translation>抱歉，报告未能打印，请到人工服务窗口领取。</translation>
    </message>
    <message>
        <location filename="../../kiosk/devices/errors.py" line="100"/>
        <source>The card could not be read. Please remove it and try again.</source>
        <translation>未能读取卡片，请取出后重试。</translation>
    </message>
    <message>
        <location filename="../../kiosk/devices/errors.py" line="105"/>
        <source>Sorry, card payment is not available right now. Please choose another way to pay.</source>
        <translation>抱歉，银行卡支付暂不可用，请选择其他支付方式。</translation>
    </message>
    <message>
        <location filename="../../kiosk/his/errors.py" line="19"/>
        <source>Sorry, the hospital system could not complete your request. Please go to the service counter.</source>
        <translation>抱歉，医院系统未能完成您的请求，请到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/his/errors.py" line="28"/>
        <source>We could not find your record. Please check your card or ask at the counter.</source>
        <translation>未找到您的就诊记录，请检查卡片或到人工服务窗口咨询。</translation>
    </message>
    <message>
        <location filename="../../kiosk/his/errors.py" line="37"/>
        <source>That choice was just taken or changed. Please choose again.</source>
        <translation>您选择的内容刚刚已被占用或发生变化，请重新选择。</translation>
    </message>
    <message>
        <location filename="../../kiosk/his/errors.py" line="44"/>
        <source>The hospital system did not accept this request.</source>
        <translation>医院系统未受理此请求。</translation>
    </message>
    <message>
        <location filename="../../kiosk/his/errors.py" line="55"/>
        <source>More than one record matches your card. Please go to the service counter.</source>
        <translation>您的卡片对应多条记录，请到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/his/errors.py" line="64"/>
        <source>The hospital system is not responding right now. Please try again in a few minutes.</source>
        <translation>医院系统暂时无响应，请几分钟后再试。</translation>
    </message>
</context>
</TS>
